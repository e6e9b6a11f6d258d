using LlmKube.Api.Cache;
using LlmKube.Api.Sources;

namespace LlmKube.Api.Tests;

public class ModelSourceTests
{
    [Theory]
    [InlineData("https://example.com/models/m.gguf", SourceKind.Http)]
    [InlineData("http://10.0.0.1:8000/m.gguf", SourceKind.Http)]
    [InlineData("https://huggingface.co/TheBloke/TinyLlama-GGUF/resolve/main/tiny.gguf", SourceKind.HuggingFaceFile)]
    [InlineData("https://huggingface.co/TheBloke/TinyLlama-GGUF/blob/main/tiny.gguf", SourceKind.HuggingFaceFile)]
    [InlineData("https://huggingface.co/TheBloke/TinyLlama-GGUF", SourceKind.HuggingFaceRepo)]
    [InlineData("https://huggingface.co/TheBloke/TinyLlama-GGUF/tree/main", SourceKind.HuggingFaceRepo)]
    [InlineData("hf://org/repo", SourceKind.HuggingFaceRepo)]
    [InlineData("hf://org/repo@v1", SourceKind.HuggingFaceRepo)]
    [InlineData("hf://org/repo/file.gguf", SourceKind.HuggingFaceFile)]
    [InlineData("hf://org/repo@abc123/sub/file.gguf", SourceKind.HuggingFaceFile)]
    [InlineData("Qwen/Qwen3.6-35B-A3B-FP8", SourceKind.HuggingFaceRepo)]
    [InlineData("pvc://my-models/llama/model.gguf", SourceKind.Pvc)]
    [InlineData("s3://bucket/models/m.gguf", SourceKind.S3)]
    [InlineData("s3://bucket/prefix", SourceKind.S3)]
    [InlineData("file:///mnt/models/m.gguf", SourceKind.Local)]
    [InlineData("FILE:///mnt/models/m.gguf", SourceKind.Local)]
    [InlineData("/mnt/models/m.gguf", SourceKind.Local)]
    public void Parse_classifies_sources(string raw, SourceKind kind)
    {
        var source = ModelSource.Parse(raw);

        Assert.Equal(kind, source.Kind);
        Assert.Null(source.Error);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("ftp://example.com/m.gguf", "unsupported source")]
    [InlineData("hf://org", "org/repo")]
    [InlineData("hf://org/repo@", "empty revision")]
    [InlineData("hf://org/repo/../../etc/passwd", "'..'")]
    [InlineData("pvc://", "pvc://<claim>/<path>")]
    [InlineData("pvc://claim", "name a file")]
    [InlineData("pvc://Bad_Claim/m.gguf", "DNS-1123")]
    [InlineData("pvc://claim/../m.gguf", "'..'")]
    [InlineData("s3:///key", "s3://<bucket>/<key>")]
    [InlineData("s3://bucket/a/../../b", "'..'")]
    [InlineData("file://relative/path", "absolute path")]
    [InlineData("/mnt/../etc/passwd", "'..'")]
    [InlineData("https://exa mple.com/m.gguf", "white space")]
    public void Parse_rejects_unusable_sources_with_a_reason(string raw, string reason)
    {
        var source = ModelSource.Parse(raw);

        Assert.Equal(SourceKind.Invalid, source.Kind);
        Assert.Contains(reason, source.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Hub_sources_carry_repository_revision_and_path()
    {
        var source = ModelSource.Parse("hf://unsloth/gemma@r1/sub/dir/m.gguf");

        Assert.Equal("unsloth/gemma", source.Repository);
        Assert.Equal("r1", source.Revision);
        Assert.Equal("sub/dir/m.gguf", source.Path);
        Assert.Equal("https://huggingface.co/unsloth/gemma/resolve/r1/sub/dir/m.gguf", ModelSource.HubResolveUrl(source.Repository!, source.Revision!, source.Path!));
    }

    [Fact]
    public void Pvc_and_s3_sources_carry_container_and_path()
    {
        var pvc = ModelSource.Parse("pvc://my-models/llama/model.gguf");
        var s3 = ModelSource.Parse("s3://bucket/models/m.gguf");

        Assert.Equal(("my-models", "llama/model.gguf"), (pvc.Container, pvc.Path));
        Assert.Equal(("bucket", "models/m.gguf"), (s3.Container, s3.Path));
    }

    [Theory]
    [InlineData("https://huggingface.co/TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/resolve/main/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf", "tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf")]
    [InlineData("https://example.com/models/m.gguf?download=1#x", "m.gguf")]
    [InlineData("https://example.com/models/my%20model%20(v2).gguf", "my-model-v2-.gguf")]
    [InlineData("https://example.com/", "model.gguf")]
    [InlineData("https://example.com/..", "model.gguf")]
    [InlineData("hf://org/repo/sub/Model-Q4.gguf", "Model-Q4.gguf")]
    [InlineData("s3://bucket/models/llama-3.1-8b-q4_k_m.gguf", "llama-3.1-8b-q4_k_m.gguf")]
    [InlineData("file:///mnt/models/x.gguf", "x.gguf")]
    [InlineData("/mnt/models/__weird__.gguf", "weird__.gguf")]
    [InlineData("ftp://bad", "model.gguf")]
    public void File_name_depends_only_on_the_source(string source, string fileName)
    {
        Assert.Equal(fileName, ModelFileName.FromSource(source));
    }

    [Theory]
    [InlineData("a b/c", "a-b-c")]
    [InlineData("---x---", "x")]
    [InlineData("..hidden", "hidden")]
    [InlineData("", "model.gguf")]
    [InlineData("日本語.gguf", "gguf")]
    public void Sanitize_keeps_a_safe_alphabet(string name, string expected)
    {
        Assert.Equal(expected, ModelFileName.Sanitize(name));
    }

    [Theory]
    [InlineData(null, "0")]
    [InlineData(0L, "0")]
    [InlineData(512L, "512 B")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(4939212390L, "4.6 GiB")]
    public void Byte_sizes_use_base_1024_with_one_decimal(long? bytes, string text)
    {
        Assert.Equal(text, ByteSize.Format(bytes));
    }
}
