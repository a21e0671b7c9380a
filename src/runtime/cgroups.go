package main

import (
	"os"
	"path/filepath"
	"strings"
)

// Cgroup v1 has no namespace-aware delegation: an inner dockerd (and its runc) writes the cgroups of
// its containers below the session's own only when root inside owns them. The device controller
// still refuses anything but CAP_SYS_ADMIN on the host, so owning it widens no device access.
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
// every hierarchy, and the files in them.
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
		_ = os.Lchown(dir, m.host, m.host)
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			if !f.IsDir() {
				_ = os.Lchown(filepath.Join(dir, f.Name()), m.host, m.host)
			}
		}
	}
}
