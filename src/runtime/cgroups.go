package main

import (
	"os"
	"path/filepath"
	"strings"
)

// An inner dockerd (and its runc) makes the cgroups of its containers below the session's own only
// when root inside owns that directory: delegation by ownership, as the kernel defines it. The device
// controller refuses anything but CAP_SYS_ADMIN on the host whoever owns what, so no device is reached.
func writableCgroupMount(mounts []any) {
	for _, raw := range mounts {
		mnt, ok := raw.(map[string]any)
		// sysfs too: a container the session runs with --privileged mounts it read-write, which the
		// kernel allows in a user namespace only over a sysfs that is not read-only already.
		if !ok || (mnt["type"] != "cgroup" && mnt["type"] != "sysfs") {
			continue
		}
		opts, _ := mnt["options"].([]any)
		kept := opts[:0]
		for _, o := range opts {
			if o != "ro" {
				kept = append(kept, o)
			}
		}
		mnt["options"] = append(kept, "rw")
	}
}

// delegateCgroups gives root inside the container its cgroup directories (as runc created them) on
// every hierarchy, so it can make cgroups below them, and their process lists, so it can move its own
// processes. Not their limits: those stay the host's, and every cgroup it makes is held within them.
func delegateCgroups(cgroupsPath string, m mapping) {
	if cgroupsPath == "" || !filepath.IsAbs(cgroupsPath) || strings.Contains(cgroupsPath, "..") {
		return
	}
	entries, err := mountinfo()
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.fstype != "cgroup" && e.fstype != "cgroup2" {
			continue
		}
		dir := filepath.Join(e.point, cgroupsPath)
		if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
			continue
		}
		// The kernel's delegation set (cgroup-v2.rst, "Delegation"), and v1's process list.
		for _, f := range []string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "tasks"} {
			p := filepath.Join(dir, f)
			_ = os.Lchown(p, m.host, m.host)
		}
	}
}
