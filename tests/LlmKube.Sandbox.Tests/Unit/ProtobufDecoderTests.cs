using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Tests.Unit;

public sealed class ProtobufDecoderTests
{
    [Fact]
    public void Decodes_the_configmap_kubectl_create_sends()
    {
        var bytes = Convert.FromHexString(
            "6b3873000a0f0a0276311209436f6e6669674d6170121b0a110a0178120" +
            "01a00220" + "02a00320038004200120" + "60a0161120131" + "1a002200");
        var obj = ProtobufDecoder.Decode(bytes);
        Assert.NotNull(obj);
        Assert.Equal("""{"metadata":{"name":"x"},"data":{"a":"1"},"apiVersion":"v1","kind":"ConfigMap"}""", obj.ToJsonString());
    }
}
