using System.CommandLine;
using LlmKube.Cli.Manifests;
using LlmKube.Cli.Output;
using LlmKube.Cli.Render;
using LlmKube.Core;
using LlmKube.Core.Policy;

namespace LlmKube.Cli.Commands.Render;

/// <summary><c>llmkube render</c>: prints, offline, every object the operator would create for some manifests.</summary>
internal static class RenderCommand
{
    public const int ExitInvalid = 1;
    public const int ExitUnreadable = 2;

    public static Command Create(CliEnvironment environment)
    {
        var files = new Option<string[]>("--filename", "-f")
        {
            Description = "Manifest file or directory (repeatable; - reads standard input). Models and InferenceServices are rendered; other kinds are skipped.",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var mode = new Option<string>("--model-cache-mode")
        {
            Description = "The operator's cache mode to simulate: shared (one claim per namespace) or perService (one owned claim per service).",
            DefaultValueFactory = _ => CacheModes.Shared,
        };
        mode.AcceptOnlyFromAmong(CacheModes.Shared, CacheModes.PerService);
        var missingClaims = new Option<string[]>("--missing-claim")
        {
            Description = "Simulate that this PersistentVolumeClaim does not exist (repeatable), to see how the operator reports it.",
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "yaml (documents) or json (one v1 List).",
            DefaultValueFactory = _ => RenderOutput.Yaml,
        };
        output.AcceptOnlyFromAmong(RenderOutput.Yaml, RenderOutput.Json);
        var ns = new Option<string>("--namespace", "-n")
        {
            Description = "Namespace for manifests that name none.",
            DefaultValueFactory = _ => "default",
        };
        var cacheEnabled = new Option<bool>("--model-cache-enabled")
        {
            Description = "Simulate the operator with caching on (default) or off.",
            DefaultValueFactory = _ => true,
        };
        var fetcherImage = new Option<string>("--fetcher-image")
        {
            Description = "Image of the init containers that run llmkube-fetch.",
            DefaultValueFactory = _ => WorkloadDefaults.FetcherImage,
        };
        var fsGroup = new Option<long>("--default-fsgroup")
        {
            Description = "fsGroup of inference pods without their own security context; 0 disables it.",
            DefaultValueFactory = _ => WorkloadDefaults.FsGroup,
        };
        var hostRoots = new Option<string[]>("--allowed-host-path-roots")
        {
            Description = "Host directories under which file:// sources are allowed (repeatable).",
        };

        var podSecurityLevel = new Option<string>(WorkloadPolicy.LevelFlag)
        {
            Description = "The operator's pod-security level: baseline (refuse pod fields that fail Pod Security baseline) or privileged.",
            DefaultValueFactory = _ => PodSecurityLevels.Baseline,
        };
        podSecurityLevel.AcceptOnlyFromAmong(PodSecurityLevels.Baseline, PodSecurityLevels.Privileged);
        var allowedImages = new Option<string[]>(WorkloadPolicy.ImagesFlag)
        {
            Description = "Prefixes spec.image must start with (repeatable); default: any image.",
        };

        var command = new Command("render", "Print, offline, every object the operator would create for the given manifests; warnings go to stderr.")
        {
            files, mode, missingClaims, output, ns, cacheEnabled, fetcherImage, fsGroup, hostRoots, podSecurityLevel, allowedImages,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var settings = new WorkloadSettings
            {
                ModelCacheMode = parse.GetValue(mode)!,
                ModelCacheEnabled = parse.GetValue(cacheEnabled),
                FetcherImage = parse.GetValue(fetcherImage)!,
                DefaultFsGroup = parse.GetValue(fsGroup),
                AllowedHostPathRoots = parse.GetValue(hostRoots) ?? [],
                PodSecurityLevel = parse.GetValue(podSecurityLevel)!,
                AllowedImages = parse.GetValue(allowedImages) ?? [],
            };
            var request = new RenderRequest(settings, parse.GetValue(ns)!, new HashSet<string>(parse.GetValue(missingClaims) ?? [], StringComparer.Ordinal));
            List<ManifestDocument> documents;
            try
            {
                documents = ManifestReader.Read(parse.GetValue(files)!, environment.In);
            }
            catch (ManifestReadException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitUnreadable;
            }

            var result = new RenderPipeline(request).Run(documents);
            foreach (var message in result.Messages)
            {
                stderr.WriteLine(message.ToString());
            }

            // As kubectl apply: what is valid is printed, each invalid object is reported, and the exit code says so.
            stdout.Write(RenderOutput.Format(result.Objects, parse.GetValue(output)!));
            if (result.HasErrors)
            {
                stderr.WriteLine("error: the input has invalid manifests (see above); only the valid ones were rendered");
                return ExitInvalid;
            }

            return 0;
        });
        return command;
    }
}
