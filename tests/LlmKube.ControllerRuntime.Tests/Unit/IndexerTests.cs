using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class IndexerTests
{
    internal static V1ConfigMap Cm(string ns, string name, string rv = "1", string? ownerUid = null, string? claim = null)
    {
        var cm = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { NamespaceProperty = ns, Name = name, ResourceVersion = rv },
            Data = claim == null ? null : new Dictionary<string, string> { ["claim"] = claim },
        };
        if (ownerUid != null)
        {
            cm.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "x/v1", Kind = "Owner", Name = "o-" + ownerUid, Uid = ownerUid, Controller = true }];
        }

        return cm;
    }

    [Fact]
    public void Upsert_get_remove_and_list_by_namespace()
    {
        var idx = new Indexer<V1ConfigMap>();
        Assert.Null(idx.Upsert(Cm("a", "x")));
        idx.Upsert(Cm("a", "y"));
        idx.Upsert(Cm("b", "x"));
        var old = idx.Upsert(Cm("a", "x", "2"));
        Assert.Equal("1", old!.Metadata.ResourceVersion);
        Assert.Equal("2", idx.Get(new ObjectKey("a", "x"))!.Metadata.ResourceVersion);
        Assert.Equal(3, idx.Count);
        Assert.Equal(2, idx.List("a").Count);
        Assert.Single(idx.List("b"));
        Assert.NotNull(idx.Remove(new ObjectKey("a", "x")));
        Assert.Null(idx.Remove(new ObjectKey("a", "x")));
        Assert.Single(idx.List("a"));
        Assert.Null(idx.Get(new ObjectKey("a", "x")));
    }

    [Fact]
    public void Indexes_follow_updates_and_deletes()
    {
        var idx = new Indexer<V1ConfigMap>();
        idx.AddIndex(IndexFunctions.ControllerUid, IndexFunctions.ByControllerUid);
        idx.AddIndex("claim", IndexFunctions.ByNamespacedField<V1ConfigMap>(c => c.Data != null && c.Data.TryGetValue("claim", out var v) ? v : null));
        idx.Upsert(Cm("ns", "a", ownerUid: "u1", claim: "pvc1"));
        idx.Upsert(Cm("ns", "b", ownerUid: "u1", claim: "pvc2"));
        idx.Upsert(Cm("other", "c", ownerUid: "u2", claim: "pvc1"));

        Assert.Equal(2, idx.ByIndex(IndexFunctions.ControllerUid, "u1").Count);
        Assert.Equal([new ObjectKey("ns", "a")], idx.KeysByIndex("claim", "ns/pvc1"));
        Assert.Equal([new ObjectKey("other", "c")], idx.KeysByIndex("claim", "other/pvc1"));

        idx.Upsert(Cm("ns", "a", "2", ownerUid: "u2", claim: "pvc2"));
        Assert.Single(idx.ByIndex(IndexFunctions.ControllerUid, "u1"));
        Assert.Equal(2, idx.ByIndex(IndexFunctions.ControllerUid, "u2").Count);
        Assert.Empty(idx.KeysByIndex("claim", "ns/pvc1"));
        Assert.Equal(2, idx.KeysByIndex("claim", "ns/pvc2").Count);

        idx.Remove(new ObjectKey("ns", "b"));
        Assert.Equal([new ObjectKey("ns", "a")], idx.KeysByIndex("claim", "ns/pvc2"));
        Assert.Empty(idx.ByIndex(IndexFunctions.ControllerUid, "u1"));
    }

    [Fact]
    public void A_value_named_by_one_object_or_many_or_twice_by_the_same_object_is_found_and_forgotten()
    {
        // A service names its Deployment and its Service, which usually share one name: the same value twice.
        var idx = new Indexer<V1ConfigMap>();
        idx.AddIndex("claim", c => c.Data is null ? [] : [c.Data["claim"], c.Data["claim"]]);
        var (a, b, c) = (new ObjectKey("ns", "a"), new ObjectKey("ns", "b"), new ObjectKey("ns", "c"));

        idx.Upsert(Cm("ns", "a", claim: "shared"));
        Assert.Equal([a], idx.KeysByIndex("claim", "shared"));
        idx.Upsert(Cm("ns", "a", "2", claim: "shared"));
        Assert.Equal([a], idx.KeysByIndex("claim", "shared"));
        idx.Upsert(Cm("ns", "b", claim: "shared"));
        idx.Upsert(Cm("ns", "c", claim: "shared"));
        Assert.Equal([a, b, c], idx.KeysByIndex("claim", "shared").Order());
        Assert.Equal(["a", "b", "c"], idx.ByIndex("claim", "shared").Select(o => o.Metadata.Name).Order());

        idx.Remove(b);
        idx.Remove(a);
        Assert.Equal([c], idx.KeysByIndex("claim", "shared"));
        Assert.Equal("c", Assert.Single(idx.ByIndex("claim", "shared")).Metadata.Name);
        idx.Upsert(Cm("ns", "c", "2", claim: "moved"));
        Assert.Empty(idx.KeysByIndex("claim", "shared"));
        Assert.Empty(idx.ByIndex("claim", "shared"));
        Assert.Equal([c], idx.KeysByIndex("claim", "moved"));
        idx.Remove(c);
        Assert.Empty(idx.KeysByIndex("claim", "moved"));
    }

    [Fact]
    public void Replacements_that_keep_or_reorder_or_change_their_values_leave_every_index_exact()
    {
        // The values come from a lazy sequence, as an index function may yield them, and depend on the object.
        static IEnumerable<string> Claims(V1ConfigMap c)
        {
            foreach (var claim in (c.Data?["claim"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return claim;
            }
        }

        var idx = new Indexer<V1ConfigMap>();
        idx.AddIndex("claim", Claims);
        var (a, b) = (new ObjectKey("ns", "a"), new ObjectKey("ns", "b"));
        idx.Upsert(Cm("ns", "a", claim: "x,y"));
        idx.Upsert(Cm("ns", "b", claim: "x"));

        // Unchanged values (a status change): the value two objects share keeps both.
        idx.Upsert(Cm("ns", "a", "2", claim: "x,y"));
        idx.Upsert(Cm("ns", "b", "2", claim: "x"));
        Assert.Equal([a, b], idx.KeysByIndex("claim", "x").Order());
        Assert.Equal([a], idx.KeysByIndex("claim", "y"));
        Assert.Equal("2", idx.ByIndex("claim", "y").Single().Metadata.ResourceVersion);

        // The same values in another order, then one dropped, one added, and none at all.
        idx.Upsert(Cm("ns", "a", "3", claim: "y,x"));
        Assert.Equal([a, b], idx.KeysByIndex("claim", "x").Order());
        Assert.Equal([a], idx.KeysByIndex("claim", "y"));
        idx.Upsert(Cm("ns", "a", "4", claim: "y,z"));
        Assert.Equal([b], idx.KeysByIndex("claim", "x"));
        Assert.Equal([a], idx.KeysByIndex("claim", "z"));
        idx.Upsert(Cm("ns", "a", "5"));
        Assert.Empty(idx.KeysByIndex("claim", "y"));
        Assert.Empty(idx.KeysByIndex("claim", "z"));
        Assert.Equal([b], idx.KeysByIndex("claim", "x"));
        Assert.Equal(2, idx.List("ns").Count);
    }

    [Fact]
    public void A_tenant_repointing_its_objects_owner_or_repeating_a_value_is_never_found_under_a_value_it_no_longer_has()
    {
        // The controller-uid index decides which service an event wakes and whose child an object is; its values come
        // from what a tenant wrote. An object keeps its indexed values only while it still has them, whatever the
        // order of replacements, and an unchanged replacement must not lose the value another object shares.
        var idx = new Indexer<V1ConfigMap>();
        idx.AddIndex(IndexFunctions.ControllerUid, IndexFunctions.ByControllerUid);
        idx.AddIndex("claim", c => c.Data is null ? [] : c.Data["claim"].Split(','));
        var (mine, theirs) = (new ObjectKey("ns", "mine"), new ObjectKey("ns", "theirs"));
        idx.Upsert(Cm("ns", "theirs", ownerUid: "victim", claim: "x"));

        idx.Upsert(Cm("ns", "mine", "1", ownerUid: "victim", claim: "x,x"));
        idx.Upsert(Cm("ns", "mine", "2", ownerUid: "attacker", claim: "x"));
        Assert.Equal([theirs], idx.KeysByIndex(IndexFunctions.ControllerUid, "victim"));
        Assert.Equal([mine], idx.KeysByIndex(IndexFunctions.ControllerUid, "attacker"));
        Assert.Equal([mine, theirs], idx.KeysByIndex("claim", "x").Order());

        idx.Upsert(Cm("ns", "mine", "3", ownerUid: "attacker", claim: "x"));
        idx.Upsert(Cm("ns", "mine", "4", claim: "y,y"));
        Assert.Empty(idx.KeysByIndex(IndexFunctions.ControllerUid, "attacker"));
        Assert.Equal([theirs], idx.KeysByIndex(IndexFunctions.ControllerUid, "victim"));
        Assert.Equal([theirs], idx.KeysByIndex("claim", "x"));
        Assert.Equal([mine], idx.KeysByIndex("claim", "y"));

        idx.Remove(mine);
        Assert.Empty(idx.KeysByIndex("claim", "y"));
        Assert.Equal([theirs], idx.KeysByIndex("claim", "x"));
    }

    [Fact]
    public void An_index_added_later_covers_existing_objects_and_unknown_indexes_throw()
    {
        var idx = new Indexer<V1ConfigMap>();
        idx.Upsert(Cm("ns", "a", ownerUid: "u1"));
        idx.AddIndex(IndexFunctions.ControllerUid, IndexFunctions.ByControllerUid);
        Assert.Single(idx.ByIndex(IndexFunctions.ControllerUid, "u1"));
        Assert.Throws<InvalidOperationException>(() => idx.AddIndex(IndexFunctions.ControllerUid, IndexFunctions.ByControllerUid));
        Assert.Throws<KeyNotFoundException>(() => idx.ByIndex("nope", "x"));
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_keep_indexes_consistent()
    {
        var idx = new Indexer<V1ConfigMap>();
        idx.AddIndex(IndexFunctions.ControllerUid, IndexFunctions.ByControllerUid);
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                var name = "o" + (i % 50);
                if (i % 7 == 0)
                {
                    idx.Remove(new ObjectKey("ns", name));
                }
                else
                {
                    idx.Upsert(Cm("ns", name, i.ToString(System.Globalization.CultureInfo.InvariantCulture), ownerUid: "u" + (i % 3)));
                }
            }
        }));
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                foreach (var cm in idx.ByIndex(IndexFunctions.ControllerUid, "u1"))
                {
                    Assert.NotNull(cm.Metadata);
                }

                _ = idx.List();
            }
        }));
        await Task.WhenAll(writers.Concat(readers));
        foreach (var cm in idx.List())
        {
            var uid = cm.Metadata.OwnerReferences[0].Uid;
            Assert.Contains(ObjectKey.Of(cm), idx.KeysByIndex(IndexFunctions.ControllerUid, uid));
        }

        var total = Enumerable.Range(0, 3).Sum(u => idx.KeysByIndex(IndexFunctions.ControllerUid, "u" + u).Count);
        Assert.Equal(idx.Count, total);
    }

    [Fact]
    public void Object_keys_format_and_parse()
    {
        Assert.Equal("ns/a", new ObjectKey("ns", "a").ToString());
        Assert.Equal("pv1", new ObjectKey(string.Empty, "pv1").ToString());
        Assert.Equal(new ObjectKey("ns", "a"), ObjectKey.Parse("ns/a"));
        Assert.Equal(new ObjectKey(string.Empty, "pv1"), ObjectKey.Parse("pv1"));
    }

    [Fact]
    public void Deep_copy_is_independent()
    {
        var cm = Cm("ns", "a", claim: "x");
        var copy = ObjectCopy.DeepCopy(cm);
        copy.Data["claim"] = "y";
        copy.Metadata.Name = "b";
        Assert.Equal("x", cm.Data["claim"]);
        Assert.Equal("a", cm.Metadata.Name);
    }
}
