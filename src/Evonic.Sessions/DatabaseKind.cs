namespace Evonic.Sessions;

/// <summary>Which of an instance's databases a <see cref="DatabaseSpace"/> measures.</summary>
public enum DatabaseKind
{
    /// <summary>An agent's <c>chat.db</c>.</summary>
    Chat,

    /// <summary>The main database, <c>shared/db/evonic.db</c>.</summary>
    Main,

    /// <summary>Evonic's session archive, <c>shared/db/session_archive.db</c>.</summary>
    Archive,
}
