using System;
using System.IO;
using System.Linq;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Evonic.Sessions.Storage;

/// <summary>
/// Makes SQLite's native library load from <c>runtimes/&lt;rid&gt;/native</c> in the module's folder. A host that
/// imports the module (pwsh, Windows PowerShell) has no deps.json naming that folder, so without this the first
/// connection fails with "Unable to load shared library 'e_sqlite3'".
/// </summary>
internal static class SqliteNativeLibrary
{
    private const string LibraryName = "e_sqlite3";
    private static readonly object Gate = new();
    private static bool _initialized;
    private static string? _bundledPath;
    private static IntPtr _handle;

    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (_initialized)
                return;
            // When the application itself ships SQLite (its deps.json names it), the runtime loads that copy:
            // two SQLite copies in one process would hand one library's handles to the other.
            _bundledPath = FindBundledLibrary() is { } bundled && !ApplicationProvidesLibrary(bundled) ? bundled : null;
            if (_bundledPath != null && !TryRegisterDllImportResolver())
                PreloadOnWindows(_bundledPath);
            SQLitePCL.Batteries_V2.Init();
            _initialized = true;
        }
    }

    private static string? FindBundledLibrary()
    {
        string? rid = ModuleLayout.RuntimeIdentifier();
        string folder = ModuleFolder.Path;
        if (rid == null || string.IsNullOrEmpty(folder))
            return null;
        string file =
            rid.StartsWith("win", StringComparison.Ordinal) ? "e_sqlite3.dll"
            : rid.StartsWith("osx", StringComparison.Ordinal) ? "libe_sqlite3.dylib"
            : "libe_sqlite3.so";
        string path = Path.Combine(folder, "runtimes", rid, "native", file);
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// On .NET Core 3+ (PowerShell 7), points SQLitePCLRaw's DllImport of e_sqlite3 at the bundled file through
    /// NativeLibrary.SetDllImportResolver, reached by reflection because netstandard2.0 does not declare it.
    /// </summary>
    private static bool TryRegisterDllImportResolver()
    {
        Assembly coreLibrary = typeof(object).Assembly;
        Type? nativeLibrary = coreLibrary.GetType("System.Runtime.InteropServices.NativeLibrary");
        Type? resolverType = coreLibrary.GetType("System.Runtime.InteropServices.DllImportResolver");
        MethodInfo? setResolver = nativeLibrary?.GetMethod(
            "SetDllImportResolver",
            new[] { typeof(Assembly), resolverType! }
        );
        if (nativeLibrary == null || resolverType == null || setResolver == null)
            return false;

        ParameterExpression[] parameters = resolverType
            .GetMethod("Invoke")!
            .GetParameters()
            .Select(p => Expression.Parameter(p.ParameterType, p.Name))
            .ToArray();
        MethodInfo resolve = typeof(SqliteNativeLibrary).GetMethod(
            nameof(Resolve),
            BindingFlags.NonPublic | BindingFlags.Static
        )!;
        Delegate resolver = Expression
            .Lambda(resolverType, Expression.Call(resolve, parameters[0]), parameters)
            .Compile();
        try
        {
            setResolver.Invoke(null, new object[] { typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, resolver });
        }
        catch (TargetInvocationException e) when (e.InnerException is InvalidOperationException)
        {
            // A resolver is already registered for that assembly (the module was imported before): keep it.
        }
        return true;
    }

    private static IntPtr Resolve(string libraryName)
    {
        if (libraryName != LibraryName || _bundledPath == null)
            return IntPtr.Zero;
        if (_handle == IntPtr.Zero)
        {
            MethodInfo load = typeof(object)
                .Assembly.GetType("System.Runtime.InteropServices.NativeLibrary")!
                .GetMethod("Load", new[] { typeof(string) })!;
            _handle = (IntPtr)load.Invoke(null, new object[] { _bundledPath })!;
        }
        return _handle;
    }

    private static bool ApplicationProvidesLibrary(string bundledPath)
    {
        string file = System.IO.Path.GetFileName(bundledPath);
        return (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "")
            .Split(new[] { System.IO.Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(System.IO.Path.Combine(folder, file)));
    }

    /// <summary>Windows PowerShell 5.1: a DLL already loaded by full path satisfies a later DllImport by
    /// name.</summary>
    private static void PreloadOnWindows(string path)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            LoadLibraryW(path);
    }

    [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern IntPtr LoadLibraryW(string fileName);
}
