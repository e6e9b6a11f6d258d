using System.Net;

namespace LlmKube.Contracts.Tests;

/// <summary>The SSRF rule the fetcher and the operator's probe share.</summary>
public class AddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("10.0.0.5", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("100.100.100.200", "shared (carrier-grade NAT)")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::1", "unspecified or loopback")]
    [InlineData("::", "unspecified or loopback")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00:ec2::254", "private (unique local, cloud metadata)")]
    [InlineData("::ffff:169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local (cloud metadata)")]
    [InlineData("2002:7f00:1::1", "loopback")]
    [InlineData("8.8.8.8", null)]
    [InlineData("2606:4700::1111", null)]
    [InlineData("172.32.0.1", null)]
    public void Every_restricted_range_is_recognised_in_every_form(string address, string? restriction) =>
        Assert.Equal(restriction, AddressPolicy.RestrictionOf(IPAddress.Parse(address)));

    [Fact]
    public void The_allow_list_opens_exactly_the_networks_it_names()
    {
        var policy = AddressPolicy.Parse(["10.1.0.0/16", "192.168.7.7", "fd00::/8"]);
        Assert.True(policy.Permits(IPAddress.Parse("10.1.2.3")));
        Assert.True(policy.Permits(IPAddress.Parse("::ffff:10.1.2.3")));
        Assert.True(policy.Permits(IPAddress.Parse("192.168.7.7")));
        Assert.True(policy.Permits(IPAddress.Parse("8.8.8.8")));
        Assert.False(policy.Permits(IPAddress.Parse("10.2.0.1")));
        Assert.False(policy.Permits(IPAddress.Parse("192.168.7.8")));
        Assert.False(policy.Permits(IPAddress.Parse("169.254.169.254")));
        Assert.Throws<FormatException>(() => AddressPolicy.Parse(["10.0.0.0/33"]));
        Assert.Throws<FormatException>(() => AddressPolicy.Parse(["mirror.internal"]));
    }
}
