package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

type mapping struct{ host, size int }

func parseMapping(s string) (mapping, error) {
	host, size, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(host)
	n, err2 := strconv.Atoi(size)
	if !ok || err1 != nil || err2 != nil || h < 1 || n < 1 || n > 1<<24 {
		return mapping{}, fmt.Errorf("%s %q: want HOSTID:SIZE, HOSTID above 0", mappingAnnotation, s)
	}
	return mapping{host: h, size: n}, nil
}

// An idmapped mount takes its mapping from a user namespace: a child of this binary holds one with
// the container's mapping while the mounts are made.
const usernsHolderArg = "__helix_userns_holder"

func holdUserns() {
	buf := make([]byte, 1)
	_, _ = os.Stdin.Read(buf)
}

type userns struct {
	fd   int
	stop func()
}

func newUserns(m mapping) (*userns, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, usernsHolderArg)
	ids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: m.host, Size: m.size}}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, UidMappings: ids, GidMappings: ids}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("user namespace: %w", err)
	}
	stop := func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() }
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/user", cmd.Process.Pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		stop()
		return nil, err
	}
	return &userns{fd: fd, stop: func() { _ = unix.Close(fd); stop() }}, nil
}

// idmap mounts src at dst (created as a file or a directory like src) through the namespace's mapping;
// read-only when asked, so nothing done through it can reach an image layer.
func (u *userns) idmap(src, dst string, readonly, recursive bool) error {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	setFlags := uint(0)
	if recursive {
		flags |= unix.AT_RECURSIVE
		setFlags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(unix.AT_FDCWD, src, uint(flags))
	if err != nil {
		return fmt.Errorf("open_tree %s: %w", src, err)
	}
	defer unix.Close(tree)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(u.fd)}
	if readonly {
		attr.Attr_set |= unix.MOUNT_ATTR_RDONLY
	}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH|setFlags, &attr); err != nil {
		return fmt.Errorf("idmap %s: %w", src, err)
	}
	if err := mkTarget(src, dst); err != nil {
		return err
	}
	if err := unix.MoveMount(tree, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount %s: %w", dst, err)
	}
	return nil
}

func mkTarget(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o711); err != nil {
		return err
	}
	if st.IsDir() {
		return os.Mkdir(dst, 0o711)
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}
