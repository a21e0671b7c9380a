package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// made is what prepare mounted and created, released in reverse order.
type made struct {
	mounts []string
	paths  []string
	// Kept until delete: runc starts every exec in the rootfs directory it was created with.
	keep map[string]bool
	// Given to root inside once runc has made them.
	cgroupsPath string
	mapping     mapping
}

func (m *made) release() {
	for i := len(m.mounts) - 1; i >= 0; i-- {
		_ = unix.Unmount(m.mounts[i], unix.MNT_DETACH)
	}
	// Nothing is mounted here any more: plain removes, never a recursive one.
	for i := len(m.paths) - 1; i >= 0; i-- {
		if !m.keep[m.paths[i]] {
			_ = os.Remove(m.paths[i])
		}
	}
}

// forget removes what create kept for a container, unmounting first anything a killed create left.
func forget(id string) {
	if !validID(id) {
		return
	}
	dir := filepath.Join(stateRoot, id)
	entries, _ := mountinfo()
	for i := len(entries) - 1; i >= 0; i-- {
		if under(entries[i].point, dir) {
			_ = unix.Unmount(entries[i].point, unix.MNT_DETACH)
		}
	}
	for _, sub := range []string{"l", "b"} {
		if names, err := os.ReadDir(filepath.Join(dir, sub)); err == nil {
			for _, n := range names {
				_ = os.Remove(filepath.Join(dir, sub, n.Name()))
			}
		}
		_ = os.Remove(filepath.Join(dir, sub))
	}
	_ = os.Remove(filepath.Join(dir, "rootfs"))
	_ = os.Remove(dir)
}

func validID(id string) bool {
	return id != "" && id != "." && id != ".." && !strings.ContainsAny(id, "/\x00")
}

// prepare rewrites the bundle's config.json for a user namespace and makes the mounts it names.
func prepare(bundle, id string) (*made, error) {
	done := &made{keep: map[string]bool{}}
	if !validID(id) {
		return done, fmt.Errorf("container id %q", id)
	}
	bundle, err := filepath.EvalSymlinks(bundle)
	if err != nil {
		return done, err
	}
	file := filepath.Join(bundle, "config.json")
	spec, err := readSpec(file)
	if err != nil {
		return done, err
	}
	m := defaultMapping
	if annotations, ok := spec["annotations"].(map[string]any); ok {
		if s, ok := annotations[mappingAnnotation].(string); ok {
			if m, err = parseMapping(s); err != nil {
				return done, err
			}
		}
	}
	linux, _ := spec["linux"].(map[string]any)
	root, _ := spec["root"].(map[string]any)
	if linux == nil || root == nil {
		return done, fmt.Errorf("%s: no linux or root section", file)
	}
	if err := addUserns(linux, m); err != nil {
		return done, err
	}
	if err := ensureStateRoot(); err != nil {
		return done, err
	}
	dir := filepath.Join(stateRoot, id)
	forget(id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		return done, fmt.Errorf("%s: %w", dir, err)
	}
	done.paths = append(done.paths, dir)
	ns, err := newUserns(m)
	if err != nil {
		return done, err
	}
	defer ns.stop()

	rootPath, _ := root["path"].(string)
	if !filepath.IsAbs(rootPath) {
		rootPath = filepath.Join(bundle, rootPath)
	}
	rootfs, err := idmapRootfs(ns, m, rootPath, dir, done)
	if err != nil {
		return done, err
	}
	done.keep[dir], done.keep[rootfs] = true, true
	root["path"] = rootfs
	if mounts, ok := spec["mounts"].([]any); ok {
		idmapBinds(ns, mounts, dir, done)
		writableCgroupMount(mounts)
	}
	done.cgroupsPath, _ = linux["cgroupsPath"].(string)
	done.mapping = m
	return done, writeSpec(file, spec)
}

func readSpec(file string) (map[string]any, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var spec map[string]any
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return spec, nil
}

func writeSpec(file string, spec map[string]any) error {
	raw, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	tmp := file + ".helix-runc"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

func addUserns(linux map[string]any, m mapping) error {
	namespaces, _ := linux["namespaces"].([]any)
	for _, n := range namespaces {
		if ns, ok := n.(map[string]any); ok && ns["type"] == "user" {
			return fmt.Errorf("the container already has a user namespace (is the engine's userns-remap on?)")
		}
	}
	linux["namespaces"] = append(namespaces, map[string]any{"type": "user"})
	ids := []any{map[string]any{"containerID": 0, "hostID": m.host, "size": m.size}}
	linux["uidMappings"], linux["gidMappings"] = ids, ids
	// docker allows every group to ping; inside the namespace only mapped groups exist.
	if sysctl, ok := linux["sysctl"].(map[string]any); ok {
		if _, ok := sysctl["net.ipv4.ping_group_range"]; ok {
			sysctl["net.ipv4.ping_group_range"] = fmt.Sprintf("0 %d", m.size-1)
		}
	}
	return nil
}

// ensureStateRoot makes the state directory a private mount, so mounts under it propagate nowhere.
// Under a lock: two first creates racing would stack two binds, and hide one's mounts under the other.
func ensureStateRoot() error {
	if err := os.MkdirAll(stateRoot, 0o711); err != nil {
		return err
	}
	lock, err := os.OpenFile(stateRoot+".lock", os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	if !isMountpoint(stateRoot) {
		if err := unix.Mount(stateRoot, stateRoot, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("%s: %w", stateRoot, err)
		}
	}
	return unix.Mount("", stateRoot, "", unix.MS_PRIVATE, "")
}

type mountEntry struct {
	point, fstype, options string
}

func mountinfo() ([]mountEntry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mountEntry
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<16), 1<<22)
	for s.Scan() {
		pre, post, ok := strings.Cut(s.Text(), " - ")
		fields, rest := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(rest) < 3 {
			continue
		}
		out = append(out, mountEntry{point: unescape(fields[4]), fstype: rest[0], options: rest[2]})
	}
	return out, s.Err()
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isMountpoint(path string) bool {
	entries, _ := mountinfo()
	for _, e := range entries {
		if e.point == path {
			return true
		}
	}
	return false
}

// idmapRootfs mounts, under dir, an overlay of the container's own layers seen through the mapping:
// each lower layer idmapped read-only, the container's upper layer shared with docker's mount, so
// docker diff, commit and cp see what the container wrote.
func idmapRootfs(ns *userns, m mapping, rootPath, dir string, done *made) (string, error) {
	entries, err := mountinfo()
	if err != nil {
		return "", err
	}
	var opts string
	for _, e := range entries {
		if e.point == rootPath && e.fstype == "overlay" {
			opts = e.options
		}
	}
	if opts == "" {
		return "", fmt.Errorf("the rootfs %s is not an overlay mount (overlay2 is the storage driver unprivileged sessions need)", rootPath)
	}
	var lowers []string
	var upper, work string
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "lowerdir":
			lowers = strings.Split(v, ":")
		case "upperdir":
			upper = v
		case "workdir":
			work = v
		}
	}
	if len(lowers) == 0 || upper == "" || work == "" {
		return "", fmt.Errorf("the rootfs %s: no lowerdir, upperdir or workdir in %q", rootPath, opts)
	}
	layers := filepath.Join(dir, "l")
	if err := os.Mkdir(layers, 0o711); err != nil {
		return "", err
	}
	done.paths = append(done.paths, layers)
	var mapped []string
	for i, l := range lowers {
		target := filepath.Join(layers, strconv.Itoa(i))
		if err := ns.idmap(l, target, true, false); err != nil {
			return "", err
		}
		done.paths = append(done.paths, target)
		done.mounts = append(done.mounts, target)
		mapped = append(mapped, strconv.Itoa(i))
	}
	// The upper layer stays as docker made it; its top directory is the container's root's.
	var st syscall.Stat_t
	if err := syscall.Lstat(upper, &st); err == nil && st.Uid == 0 && st.Gid == 0 {
		if err := os.Lchown(upper, m.host, m.host); err != nil {
			return "", err
		}
	}
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.Mkdir(rootfs, 0o711); err != nil {
		return "", err
	}
	done.paths = append(done.paths, rootfs)
	// Relative lower paths keep the options within a page however many layers the image has.
	data := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", strings.Join(mapped, ":"), upper, work)
	if err := mountIn(layers, rootfs, data); err != nil {
		return "", fmt.Errorf("overlay at %s: %w", rootfs, err)
	}
	done.mounts = append(done.mounts, rootfs)
	return rootfs, nil
}

// mountIn mounts an overlay whose relative lower paths are read from cwd.
func mountIn(cwd, target, data string) error {
	prev, err := os.Getwd()
	if err != nil {
		return err
	}
	if err := os.Chdir(cwd); err != nil {
		return err
	}
	defer func() { _ = os.Chdir(prev) }()
	return unix.Mount("overlay", target, "overlay", 0, data)
}

// idmapBinds shows each bind mount through the mapping, so what root owns on the host root owns in
// the container (a data-root, a golden, docker's resolv.conf). A source the kernel cannot idmap (a
// filesystem without support, a device) stays as it is: owned by nobody inside.
func idmapBinds(ns *userns, mounts []any, dir string, done *made) {
	binds := filepath.Join(dir, "b")
	if err := os.Mkdir(binds, 0o711); err != nil {
		return
	}
	done.paths = append(done.paths, binds)
	for i, raw := range mounts {
		mnt, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		src, _ := mnt["source"].(string)
		if !isBind(mnt) || src == "" || under(src, "/proc", "/sys", "/dev") {
			continue
		}
		target := filepath.Join(binds, strconv.Itoa(i))
		if err := ns.idmap(src, target, false, recursive(mnt)); err != nil {
			_ = os.Remove(target)
			continue
		}
		done.paths = append(done.paths, target)
		done.mounts = append(done.mounts, target)
		mnt["source"] = target
	}
}

func isBind(mnt map[string]any) bool {
	return mnt["type"] == "bind" || hasOption(mnt, "bind", "rbind")
}

func recursive(mnt map[string]any) bool {
	return hasOption(mnt, "rbind")
}

func hasOption(mnt map[string]any, names ...string) bool {
	opts, _ := mnt["options"].([]any)
	for _, o := range opts {
		for _, n := range names {
			if o == n {
				return true
			}
		}
	}
	return false
}

func under(path string, dirs ...string) bool {
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}
