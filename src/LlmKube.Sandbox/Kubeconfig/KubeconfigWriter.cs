using System.Text;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Kubeconfig;

/// <summary>Writes a kubeconfig with one cluster, one user (token) and one context, selected.</summary>
internal static class KubeconfigWriter
{
    public const string ContextName = "llmkube-sandbox";

    public static string Render(Uri server, string userName, string token, string? certificateAuthorityPem = null, string ns = "default")
    {
        var user = JsonUtil.Quote(userName);
        var builder = new StringBuilder();
        builder.Append("apiVersion: v1\n");
        builder.Append("kind: Config\n");
        builder.Append("clusters:\n");
        builder.Append("- name: ").Append(ContextName).Append('\n');
        builder.Append("  cluster:\n");
        builder.Append("    server: ").Append(JsonUtil.Quote(server.ToString().TrimEnd('/'))).Append('\n');
        if (certificateAuthorityPem is not null)
        {
            builder.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(certificateAuthorityPem))).Append('\n');
        }
        builder.Append("users:\n");
        builder.Append("- name: ").Append(user).Append('\n');
        builder.Append("  user:\n");
        builder.Append("    token: ").Append(JsonUtil.Quote(token)).Append('\n');
        builder.Append("contexts:\n");
        builder.Append("- name: ").Append(ContextName).Append('\n');
        builder.Append("  context:\n");
        builder.Append("    cluster: ").Append(ContextName).Append('\n');
        builder.Append("    user: ").Append(user).Append('\n');
        builder.Append("    namespace: ").Append(JsonUtil.Quote(ns)).Append('\n');
        builder.Append("current-context: ").Append(ContextName).Append('\n');
        return builder.ToString();
    }
}
