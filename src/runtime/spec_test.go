package main

import (
	"reflect"
	"testing"
)

func TestParseArgsFindsVerbBundleIDAndLog(t *testing.T) {
	// As containerd's runc shim calls a runtime.
	args := []string{"--root", "/run/r", "--log", "/b/log.json", "--log-format", "json", "create", "--bundle", "/b", "--pid-file", "/b/init.pid", "--console-socket", "/s", "cid"}
	verb, bundle, id, log := parseArgs(args)
	if verb != "create" || bundle != "/b" || id != "cid" || log != "/b/log.json" {
		t.Fatalf("got %q %q %q %q", verb, bundle, id, log)
	}
	verb, bundle, id, _ = parseArgs([]string{"--root", "/r", "delete", "--force", "cid"})
	if verb != "delete" || bundle != "." || id != "cid" {
		t.Fatalf("got %q %q %q", verb, bundle, id)
	}
	if verb, _, _, _ := parseArgs([]string{"--bundle=/x", "features"}); verb != "features" {
		t.Fatalf("got %q", verb)
	}
}

func TestParseMappingRefusesWhatIsNotARange(t *testing.T) {
	if m, err := parseMapping("200000:65536"); err != nil || m != (mapping{host: 200000, size: 65536}) {
		t.Fatalf("got %v %v", m, err)
	}
	for _, bad := range []string{"0:1", "1", "a:b", "1:0", "-5:10", "1:99999999"} {
		if _, err := parseMapping(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAddUsernsMapsRootAndNarrowsPing(t *testing.T) {
	linux := map[string]any{
		"namespaces": []any{map[string]any{"type": "mount"}},
		"sysctl":     map[string]any{"net.ipv4.ping_group_range": "0 2147483647", "net.ipv4.ip_unprivileged_port_start": "0"},
	}
	if err := addUserns(linux, mapping{host: 100000, size: 65536}); err != nil {
		t.Fatal(err)
	}
	if ns := linux["namespaces"].([]any); len(ns) != 2 || ns[1].(map[string]any)["type"] != "user" {
		t.Fatalf("namespaces %v", ns)
	}
	want := []any{map[string]any{"containerID": 0, "hostID": 100000, "size": 65536}}
	if !reflect.DeepEqual(linux["uidMappings"], want) || !reflect.DeepEqual(linux["gidMappings"], want) {
		t.Fatalf("mappings %v %v", linux["uidMappings"], linux["gidMappings"])
	}
	sysctl := linux["sysctl"].(map[string]any)
	if sysctl["net.ipv4.ping_group_range"] != "0 65535" || sysctl["net.ipv4.ip_unprivileged_port_start"] != "0" {
		t.Fatalf("sysctl %v", sysctl)
	}
	if err := addUserns(linux, mapping{host: 100000, size: 65536}); err == nil {
		t.Fatal("a second user namespace accepted")
	}
}

func TestWritableCgroupAndSysfsOnly(t *testing.T) {
	mounts := []any{
		map[string]any{"type": "cgroup", "options": []any{"ro", "nosuid"}},
		map[string]any{"type": "sysfs", "options": []any{"nosuid", "ro"}},
		map[string]any{"type": "bind", "options": []any{"rbind", "ro"}},
	}
	writableCgroupMount(mounts)
	got := func(i int) []any { return mounts[i].(map[string]any)["options"].([]any) }
	if !reflect.DeepEqual(got(0), []any{"nosuid", "rw"}) || !reflect.DeepEqual(got(1), []any{"nosuid", "rw"}) || !reflect.DeepEqual(got(2), []any{"rbind", "ro"}) {
		t.Fatalf("got %v %v %v", got(0), got(1), got(2))
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	if got := unescape(`/a\040b\134c`); got != `/a b\c` {
		t.Fatalf("got %q", got)
	}
	if got := unescape(`/x\04`); got != `/x\04` {
		t.Fatalf("got %q", got)
	}
}

func TestValidIDAndUnder(t *testing.T) {
	for _, bad := range []string{"", ".", "..", "a/b", "a\x00"} {
		if validID(bad) {
			t.Errorf("%q valid", bad)
		}
	}
	if !under("/proc/1", "/proc") || under("/procx", "/proc") || !under("/dev", "/dev") {
		t.Fatal("under")
	}
}
