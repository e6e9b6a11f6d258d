// The fetcher is a Linux program (chown, flock, fsync of directories); so are its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
