using System.Diagnostics;
using System.Globalization;
using LlmKube.Tests.Shared;

namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>
/// nginx (Debian's nginx-light) on a free loopback port, serving <see cref="Root"/> with ranges and ETags, from a
/// generated config in a temp dir. The access log records the body bytes of every request.
/// </summary>
public sealed class NginxServer : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Process _process;

    private NginxServer(string binary, string? limitRate)
    {
        Root = _dir.Combine("www");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(_dir.Combine("logs"));
        Port = LocalPorts.Free();
        var d = _dir.Path;
        // limit_rate acts between writes: with sendfile one call can push a whole small range at full speed.
        var limit = limitRate is null ? "" : $"limit_rate {limitRate}; sendfile_max_chunk 64k;";
        File.WriteAllText(_dir.Combine("nginx.conf"), $$"""
            worker_processes 1;
            daemon off;
            pid {{d}}/nginx.pid;
            error_log {{d}}/logs/error.log;
            events { worker_connections 256; }
            http {
              log_format bytes '$request_method $uri $status $body_bytes_sent';
              access_log {{d}}/logs/access.log bytes;
              client_body_temp_path {{d}}/tmp-body; proxy_temp_path {{d}}/tmp-proxy; fastcgi_temp_path {{d}}/tmp-fcgi;
              uwsgi_temp_path {{d}}/tmp-uwsgi; scgi_temp_path {{d}}/tmp-scgi;
              sendfile on; tcp_nopush on; keepalive_requests 100000;
              server { listen 127.0.0.1:{{Port}}; root {{Root}}; {{limit}} }
            }
            """);
        var psi = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-p", d, "-c", _dir.Combine("nginx.conf"), "-e", _dir.Combine("logs", "error.log") })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        ServerProcesses.WaitForPort(_process, Port, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
    }

    public string Root { get; }

    public int Port { get; }

    public string Url(string file) => $"http://127.0.0.1:{Port}/{file}";

    public static string? Binary => TestData.Which("nginx");

    /// <summary>Starts nginx, or returns null (the caller skips) when the binary is not installed.</summary>
    public static NginxServer Start(string? limitRate = null) =>
        new(Binary ?? throw new InvalidOperationException("nginx not installed"), limitRate);

    /// <summary>Sum of body bytes nginx has sent for GETs of <paramref name="uri"/> (log lines are written when a request ends).</summary>
    public long BytesSent(string uri) => Log().Where(l => l.Uri == uri && l.Method == "GET").Sum(l => l.Bytes);

    public int Requests(string uri) => Log().Count(l => l.Uri == uri);

    public void ClearLog() => File.WriteAllText(_dir.Combine("logs", "access.log"), "");

    public void Dispose()
    {
        ServerProcesses.Stop(_process);
        _dir.Dispose();
    }

    private IEnumerable<(string Method, string Uri, int Status, long Bytes)> Log()
    {
        var path = _dir.Combine("logs", "access.log");
        if (!File.Exists(path))
        {
            yield break;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var p = line.Split(' ');
            if (p.Length == 4)
            {
                yield return (p[0], p[1], int.Parse(p[2], CultureInfo.InvariantCulture), long.Parse(p[3], CultureInfo.InvariantCulture));
            }
        }
    }
}
