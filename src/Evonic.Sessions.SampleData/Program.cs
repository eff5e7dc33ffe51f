using Evonic.Sessions.SampleData;

// Writes the realistic sample instance used by the quick start: `Evonic.Sessions.SampleData <folder> [--release]`.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: Evonic.Sessions.SampleData <folder> [--release]");
    return 2;
}
string root = Path.GetFullPath(args[0]);
const string marker = ".evonic-sample";
if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
{
    if (!File.Exists(Path.Combine(root, marker)))
    {
        Console.Error.WriteLine($"'{root}' exists and is not a sample instance; refusing to overwrite it.");
        return 1;
    }
    Directory.Delete(root, recursive: true);
}
SampleInstance sample = SampleInstance.Create(root, DateTime.UtcNow, releaseLayout: args.Contains("--release"));
File.WriteAllText(Path.Combine(root, marker), "Written by Evonic.Sessions.SampleData; safe to delete.\n");
Console.WriteLine(sample.Root);
return 0;
