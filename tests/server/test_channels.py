"""JOIN, PART, TOPIC, NAMES, LIST, KICK, INVITE and channel/user MODE."""

from __future__ import annotations


def names_of(client, channel):
    client.send(f"NAMES {channel}")
    replies = client.collect("366")
    return " ".join(m.params[-1] for m in replies if m.command == "353").split()


def test_join_creates_channel_with_op_and_default_modes(connect):
    alice = connect("alice")
    alice.send("JOIN #new")
    join = alice.expect("JOIN")
    assert join.source == "alice!alice@127.0.0.1" and join.params == ("#new",)
    names = alice.expect("353")
    assert names.params[1:] == ("=", "#new", "@alice")
    alice.expect("366")
    alice.send("MODE #new")
    modes = alice.expect("324")
    assert modes.params[1:] == ("#new", "+nt")
    created = alice.expect("329")
    assert created.params[1] == "#new" and created.params[2].isdigit()


def test_join_several_with_keys_and_join_zero(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#k1")
    alice.send("MODE #k1 +k sesame")
    alice.expect("MODE")
    alice.join("#k2")
    bob.send("JOIN #k1,#k2,#k3 sesame")
    joined = [bob.expect("JOIN").params[0] for _ in range(3)]
    assert joined == ["#k1", "#k2", "#k3"]
    bob.send("JOIN 0")
    parted = sorted(bob.expect("PART").params[0] for _ in range(3))
    assert parted == ["#k1", "#k2", "#k3"]
    assert alice.expect("PART").source.startswith("bob!")
    bob.send("LIST")
    listed = [m.params[1] for m in bob.collect("323") if m.command == "322"]
    assert "#k3" not in listed, "empty channel was not destroyed"


def test_bad_channel_names(connect):
    c = connect("c")
    c.send("JOIN nochan")
    c.expect("476")
    c.send("JOIN #bad,name")  # comma splits: "#bad" joins, "name" is bad
    c.expect("JOIN")
    c.expect("476")
    c.send("PART #nowhere")
    c.expect("403")
    c.send("JOIN")
    c.expect("461")


def test_part_with_reason_and_not_on_channel(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#p")
    bob.join("#p")
    bob.send("PART #p :see you")
    for c in (alice, bob):
        part = c.expect("PART")
        assert part.source.startswith("bob!") and part.params == ("#p", "see you")
    bob.send("PART #p")
    bob.expect("442")


def test_topic(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    alice.join("#t")
    bob.join("#t")
    alice.send("TOPIC #t")
    alice.expect("331")
    alice.send("TOPIC #t :the topic")
    for c in (alice, bob):
        topic = c.expect("TOPIC")
        assert topic.source.startswith("alice!") and topic.params == ("#t", "the topic")
    bob.send("TOPIC #t :mine now")
    assert bob.expect("482").params[1] == "#t"
    carol.send("TOPIC #t :outsider")
    carol.expect("442")
    carol.send("TOPIC #t")
    assert carol.expect("332").params[1:] == ("#t", "the topic")
    whotime = carol.expect("333")
    assert whotime.params[2].startswith("alice!")
    carol.join("#t")  # topic is shown on join
    alice.send("MODE #t -t")
    alice.expect("MODE")
    bob.send("TOPIC #t :anyone can")
    assert alice.expect("TOPIC").params[-1] == "anyone can"
    bob.send("TOPIC #nope :x")
    bob.expect("403")


def test_names_multi_prefix_and_userhost_in_names(connect):
    alice = connect("alice")
    rich = connect("rich", caps=("multi-prefix", "userhost-in-names"))
    alice.join("#n")
    rich.join("#n")
    alice.send("MODE #n +v alice")
    rich.expect("MODE")
    assert sorted(names_of(rich, "#n")) == ["@+alice!alice@127.0.0.1", "rich!rich@127.0.0.1"]
    assert sorted(names_of(alice, "#n")) == ["@alice", "rich"]
    alice.send("NAMES #missing")
    assert alice.expect("366").params[1] == "#missing"


def test_names_hides_invisible_and_secret_from_outsiders(connect):
    alice, bob, outsider = connect("alice"), connect("bob"), connect("outsider")
    alice.join("#s")
    bob.send("MODE bob +i")
    bob.expect("MODE")
    bob.join("#s")
    assert sorted(names_of(outsider, "#s")) == ["@alice"]
    alice.send("MODE #s +s")
    alice.expect("MODE")
    assert names_of(outsider, "#s") == []
    outsider.send("LIST")
    assert not [m for m in outsider.collect("323") if m.command == "322"]


def test_list(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#one")
    alice.send("TOPIC #one :first topic")
    alice.expect("TOPIC")
    alice.join("#two")
    bob.join("#two")
    bob.send("LIST")
    replies = bob.collect("323")
    assert replies[0].command == "321"
    rows = {m.params[1]: m.params[2:] for m in replies if m.command == "322"}
    assert rows == {"#one": ("1", "first topic"), "#two": ("2", "")}
    bob.send("LIST #two")
    rows = [m.params[1] for m in bob.collect("323") if m.command == "322"]
    assert rows == ["#two"]
    bob.send("LIST >1")
    rows = [m.params[1] for m in bob.collect("323") if m.command == "322"]
    assert rows == ["#two"]


def test_kick(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    for c in (alice, bob, carol):
        c.join("#k")
    bob.send("KICK #k carol")
    bob.expect("482")
    alice.send("KICK #k bob :behave")
    for c in (alice, bob, carol):
        kick = c.expect("KICK")
        assert kick.source.startswith("alice!") and kick.params == ("#k", "bob", "behave")
    alice.send("KICK #k bob")
    assert alice.expect("441").params[1:3] == ("bob", "#k")
    alice.send("KICK #k nobody")
    alice.expect("401")
    bob.send("KICK #k carol")
    bob.expect("442")
    alice.send("KICK #nochan carol")
    alice.expect("403")
    assert "bob" not in names_of(carol, "#k")


def test_invite_only_and_invite(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    alice.join("#i")
    carol.join("#i")
    alice.send("MODE #i +i")
    alice.expect("MODE")
    bob.send("JOIN #i")
    assert bob.expect("473").params[1] == "#i"
    carol.send("INVITE bob #i")
    carol.expect("482")  # +i: only operators invite
    alice.send("INVITE bob #i")
    inviting = alice.expect("341")
    assert inviting.params[1:] == ("bob", "#i")
    invite = bob.expect("INVITE")
    assert invite.source.startswith("alice!") and invite.params == ("bob", "#i")
    bob.join("#i")
    alice.send("INVITE bob #i")
    alice.expect("443")
    alice.send("INVITE ghost #i")
    alice.expect("401")
    alice.send("INVITE carol #nochan")
    alice.expect("403")
    bob.send("PART #i")
    bob.expect("PART")
    bob.send("JOIN #i")  # an invite is used up by joining
    bob.expect("473")
    outsider = connect("outsider")
    outsider.send("INVITE bob #i")
    outsider.expect("442")


def test_key_limit_ban(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    alice.join("#m")
    alice.send("MODE #m +kl key 2")
    change = alice.expect("MODE")
    assert change.params == ("#m", "+kl", "key", "2")
    bob.send("JOIN #m")
    assert bob.expect("475").params[1] == "#m"
    bob.send("JOIN #m wrong")
    bob.expect("475")
    bob.send("JOIN #m key")
    bob.expect("JOIN")
    carol.send("JOIN #m key")
    carol.expect("471")
    bob.send("MODE #m")
    assert bob.expect("324").params[1:] == ("#m", "+klnt", "key", "2")
    carol.send("MODE #m")
    assert carol.expect("324").params[1:] == ("#m", "+klnt", "*", "2")
    alice.send("MODE #m -lk *")
    assert alice.expect("MODE").params == ("#m", "-lk", "*")
    alice.send("MODE #m +b carol")
    assert alice.expect("MODE").params == ("#m", "+b", "carol!*@*")
    carol.send("JOIN #m")
    carol.expect("474")
    alice.send("MODE #m +b")
    bans = alice.collect("368")
    assert [m.params[2] for m in bans if m.command == "367"] == ["carol!*@*"]
    assert bans[0].params[3].startswith("alice!")
    alice.send("MODE #m -b carol!*@*")
    alice.expect("MODE")
    carol.join("#m")


def test_moderated_voice_and_op(connect):
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    for c in (alice, bob, carol):
        c.join("#mod")
    alice.send("MODE #mod +m")
    alice.expect("MODE")
    bob.send("PRIVMSG #mod :can I talk?")
    bob.expect("404")
    alice.send("MODE #mod +v bob")
    mode = carol.expect(lambda m: m.command == "MODE" and "+v" in m.params)
    assert mode.source.startswith("alice!") and mode.params == ("#mod", "+v", "bob")
    bob.send("PRIVMSG #mod :now I can")
    assert carol.expect("PRIVMSG").params[-1] == "now I can"
    bob.send("MODE #mod +o carol")
    bob.expect("482")
    alice.send("MODE #mod +o bob")
    carol.expect_params("MODE", "#mod", "+o", "bob")
    bob.send("MODE #mod +o carol")
    alice.expect_params("MODE", "#mod", "+o", "carol")
    alice.send("MODE #mod +o ghost")
    alice.expect("401")
    outsider = connect("outsider")
    alice.send("MODE #mod +v outsider")
    alice.expect("441")
    alice.send("MODE #mod +Z")
    assert alice.expect("472").params[1] == "Z"
    outsider.send("MODE #mod +m")
    outsider.expect("442")


def test_no_external_messages_and_secret(connect):
    alice, outsider = connect("alice"), connect("outsider")
    alice.join("#ext")
    outsider.send("PRIVMSG #ext :from outside")
    outsider.expect("404")
    alice.send("MODE #ext -n")
    alice.expect("MODE")
    outsider.send("PRIVMSG #ext :from outside")
    assert alice.expect("PRIVMSG").params == ("#ext", "from outside")
    alice.send("MODE #ext +s")
    alice.expect("MODE")
    alice.send("MODE #ext")
    assert alice.expect("324").params[2] == "+st"


def test_channel_is_destroyed_when_empty(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#gone")
    alice.send("TOPIC #gone :old")
    alice.expect("TOPIC")
    alice.send("PART #gone")
    alice.expect("PART")
    bob.join("#gone")
    bob.send("MODE #gone")
    assert bob.expect("324").params[2] == "+nt"
    bob.send("TOPIC #gone")
    bob.expect("331")
    assert names_of(bob, "#gone") == ["@bob"]


def test_user_modes(connect):
    alice = connect("alice")
    connect("bob")
    alice.send("MODE alice")
    assert alice.expect("221").params[-1] == "+"
    alice.send("MODE alice +iw")
    change = alice.expect("MODE")
    assert change.params == ("alice", "+iw")
    alice.send("MODE alice")
    assert alice.expect("221").params[-1] == "+iw"
    alice.send("MODE alice +o")  # cannot make yourself an operator
    alice.send("MODE alice")
    assert alice.expect("221").params[-1] == "+iw"
    alice.send("MODE alice +x")
    alice.expect("501")
    alice.send("MODE bob +i")
    alice.expect("502")
    alice.send("MODE ghost")
    alice.expect("401")
    alice.send("MODE alice -i")
    assert alice.expect("MODE").params == ("alice", "-i")
