// helix-runc: the OCI runtime a sandbox engine runs unprivileged sessions with. It gives each
// container a user namespace of its own (root inside is an unprivileged uid range on the host) and
// shows it its image, its upper layer and its bind mounts through idmapped mounts, so files stay owned
// on disk as docker wrote them: the same image, data-root and golden serve privileged and unprivileged
// sessions. Everything but `create` goes to runc unchanged.
//
// Docker has no per-container user namespace (userns-remap is daemon-wide and keeps a second image
// store), and runc 1.1 cannot idmap a rootfs; this is the smallest piece that adds both.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// A container asks for its mapping with this annotation ("HOSTID:SIZE"); without it, defaultMapping.
const mappingAnnotation = "io.helix.userns"

var defaultMapping = mapping{host: 100000, size: 65536}

// Where a container's mounts live while runc creates it: outside the bundle, which containerd removes
// recursively on a failed create (through any mount left in it).
const stateRoot = "/run/helix-runc"

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == usernsHolderArg {
		holdUserns()
		return
	}
	verb, bundle, id, logFile := parseArgs(args)
	runtimeLog = logFile
	runc := os.Getenv("HELIX_RUNC")
	if runc == "" {
		runc = "runc"
	}
	path, err := exec.LookPath(runc)
	if err != nil {
		fail("no runc on PATH: %v", err)
	}
	switch verb {
	case "create":
	case "run", "restore":
		// Both would start a container from a bundle this runtime has not given a user namespace.
		fail("'%s' is not supported: containerd creates, then starts", verb)
	case "delete":
		forget(id)
		fallthrough
	default:
		argv := append([]string{path}, args...)
		fail("%v", syscall.Exec(path, argv, os.Environ()))
	}
	// Before this process opens anything of its own; only here, since an *os.File left unreferenced
	// is closed by the collector, which must not happen to a descriptor runc is exec'd with.
	fds := inheritedFds()
	mounts, err := prepare(bundle, id)
	if err != nil {
		forget(id)
		fail("%s: %v", id, err)
	}
	code := runChild(path, args, fds)
	if code != 0 {
		forget(id)
		os.Exit(code)
	}
	delegateCgroups(mounts.cgroupsPath, mounts.mapping)
	// The container's mount namespace holds its own copies now; the host's go, so nothing is left to
	// leak or to be removed through.
	mounts.release()
	os.Exit(0)
}

// runtimeLog is the file runc's caller reads a failure from (--log, JSON lines as runc writes them):
// what containerd shows the user, where stderr is lost.
var runtimeLog string

func fail(format string, a ...any) {
	msg := fmt.Sprintf("helix-runc: "+format, a...)
	fmt.Fprintln(os.Stderr, msg)
	if runtimeLog != "" {
		if line, err := json.Marshal(map[string]string{"level": "error", "msg": msg, "time": time.Now().Format(time.RFC3339Nano)}); err == nil {
			if f, err := os.OpenFile(runtimeLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
				_, _ = f.Write(append(line, '\n'))
				_ = f.Close()
			}
		}
	}
	os.Exit(1)
}

// parseArgs finds the verb, --bundle, the container id and --log in runc's argv (global flags first).
func parseArgs(args []string) (verb, bundle, id, logFile string) {
	valued := map[string]bool{"--root": true, "--log": true, "--log-format": true, "--criu": true,
		"--bundle": true, "-b": true, "--pid-file": true, "--console-socket": true, "--preserve-fds": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--bundle" || a == "-b":
			if i+1 < len(args) {
				bundle = args[i+1]
			}
			i++
		case len(a) > 9 && a[:9] == "--bundle=":
			bundle = a[9:]
		case a == "--log":
			if i+1 < len(args) {
				logFile = args[i+1]
			}
			i++
		case valued[a]:
			i++
		case len(a) > 0 && a[0] == '-':
		case verb == "":
			verb = a
		default:
			id = a
		}
	}
	if bundle == "" {
		bundle = "."
	}
	return verb, bundle, id, logFile
}

// inheritedFds lists the descriptors runc must get as they are (stdio, the shim's pipes), read
// before this process opens anything of its own.
func inheritedFds() []*os.File {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	max := 2
	keep := map[int]bool{}
	for _, e := range entries {
		var fd int
		if _, err := fmt.Sscan(e.Name(), &fd); err != nil || fd < 3 {
			continue
		}
		flags, err := fcntl(fd, syscall.F_GETFD)
		if err != nil || flags&syscall.FD_CLOEXEC != 0 {
			continue
		}
		keep[fd] = true
		if fd > max {
			max = fd
		}
	}
	files := make([]*os.File, max-2)
	for fd := range keep {
		files[fd-3] = os.NewFile(uintptr(fd), fmt.Sprintf("fd%d", fd))
	}
	return files
}

func fcntl(fd, cmd int) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

func runChild(path string, args []string, extra []*os.File) int {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = extra
	if err := cmd.Run(); err != nil {
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "helix-runc: %v\n", err)
		return 1
	}
	return 0
}
