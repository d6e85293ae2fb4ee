/**
 * The escape and abuse attempts, as Python payloads. Each batch runs in one container and
 * prints one line per attempt: `<name> refused <ERRNO>`, `<name> ALLOWED <detail>`, or, for
 * what a sandbox may see, `<name> <what it saw>`.
 *
 * Every payload starts with SANDBOX_ONLY: run anywhere but inside the sandbox (uid 10001,
 * hostname `sandbox`, the runner in /opt/tinyagent), it exits before trying anything. The
 * paths it writes are new, uniquely named probe files, so even then nothing existing is touched.
 */

/** Refuses to run outside the sandbox, then defines `attempt(name, action)`. */
const SANDBOX_ONLY = `
import ctypes, errno, os, socket, sys
if not (os.getuid() == 10001 and socket.gethostname() == "sandbox"
        and os.path.isfile("/opt/tinyagent/runner.py")):
    raise SystemExit("not inside the sandbox: refusing to run escape attempts")
libc = ctypes.CDLL(None, use_errno=True)

class Stopped(Exception):
    """The attempt ran into the sandbox some way other than an errno, e.g. killed by a signal."""

def attempt(name, action):
    try:
        detail = action()
        print(name, "ALLOWED", "" if detail is None else detail)
    except Stopped as e:
        print(name, "stopped", e)
    except OSError as e:
        print(name, "refused", errno.errorcode.get(e.errno, e.errno) if e.errno else type(e).__name__)
    except Exception as e:
        print(name, "failed", type(e).__name__)

def syscall(number, *args):
    """A raw system call; raises OSError with its errno when the kernel refuses."""
    result = libc.syscall(number, *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    if result == -1:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result

def connect(family, kind, address):
    with socket.socket(family, kind) as s:
        s.settimeout(3)
        s.connect(address)
        return "connected"

def send_udp(address):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"probe", address)
        return "sent"

def write_new(path):
    with open(path, "x") as f:
        f.write("probe")
    return "written"
`

export interface NetworkTargets {
  /** A TCP port the test listens on, on every host address. */
  readonly port: number
  /** The host's own non-loopback addresses (the bridge gateway among them). */
  readonly hostAddresses: readonly string[]
  /** An abstract Unix socket name (without the leading NUL) the test listens on. */
  readonly abstractSocket: string
}

/** Every way out to a network: the host's loopback, the bridge, the host's addresses, the internet. */
export function networkAttempts(targets: NetworkTargets): string {
  const hostAddresses = JSON.stringify(targets.hostAddresses)
  return `${SANDBOX_ONLY}
INET, INET6, UNIX = socket.AF_INET, socket.AF_INET6, socket.AF_UNIX
TCP, UDP = socket.SOCK_STREAM, socket.SOCK_DGRAM
attempt("tcp-host-loopback", lambda: connect(INET, TCP, ("127.0.0.1", ${targets.port})))
attempt("tcp6-host-loopback", lambda: connect(INET6, TCP, ("::1", ${targets.port})))
attempt("tcp-bridge-gateway", lambda: connect(INET, TCP, ("172.17.0.1", ${targets.port})))
for address in ${hostAddresses}:
    attempt("tcp-host-address", lambda: connect(INET, TCP, (address, ${targets.port})))
attempt("tcp-docker-api-on-bridge", lambda: connect(INET, TCP, ("172.17.0.1", 2375)))
attempt("tcp-public", lambda: connect(INET, TCP, ("1.1.1.1", 443)))
attempt("tcp6-public", lambda: connect(INET6, TCP, ("2606:4700:4700::1111", 443)))
attempt("udp-public-dns", lambda: send_udp(("8.8.8.8", 53)))
attempt("dns-lookup", lambda: socket.getaddrinfo("example.com", 443))
attempt("raw-icmp-socket", lambda: socket.socket(INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close())
attempt("packet-socket", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close())
attempt("abstract-unix-socket", lambda: connect(UNIX, TCP, "\\0${targets.abstractSocket}"))
print("interfaces", ",".join(sorted(name for _, name in socket.if_nameindex())))
`
}

/** The engine's sockets, a file the test placed on the host, the host's processes and environment. */
export function hostAttempts(canaryPath: string, orchestratorPid: number): string {
  const canary = JSON.stringify(canaryPath)
  return `${SANDBOX_ONLY}
import glob, os.path
canary = ${canary}
for path in ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"]:
    attempt("engine-socket " + path, lambda: connect(socket.AF_UNIX, socket.SOCK_STREAM, path))
attempt("read-host-canary", lambda: open(canary).read())
attempt("write-beside-host-canary", lambda: write_new(os.path.join(os.path.dirname(canary), "probe-written-from-sandbox")))
attempt("read-canary-via-proc-root", lambda: open("/proc/1/root" + canary).read())
attempt("read-host-docker-state", lambda: os.listdir("/var/lib/docker"))
attempt("signal-orchestrator", lambda: os.kill(${orchestratorPid}, 0))
attempt("read-orchestrator-environ", lambda: open("/proc/${orchestratorPid}/environ").read())
def commands():
    seen = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                seen.add(open(f"/proc/{entry}/comm").read().strip())
            except OSError:
                pass
    return ",".join(sorted(seen))
print("processes", commands())
print("environ", ",".join(sorted(os.environ)))
def environs():
    names = set()
    for path in glob.glob("/proc/[0-9]*/environ"):
        try:
            names.update(v.split(b"=")[0].decode() for v in open(path, "rb").read().split(b"\\0") if v)
        except OSError:
            pass
    return ",".join(sorted(names))
print("proc-environ", environs())
mounts = sorted({line.split()[4] for line in open("/proc/self/mountinfo")})
print("mount-points", ",".join(m for m in mounts if not m.startswith(("/proc/", "/sys/", "/dev/"))))
`
}

/** x86_64 system call numbers used below. */
const SYS = {
  ptrace: 101,
  process_vm_readv: 310,
  unshare: 272,
  mount: 165,
  chroot: 161,
  capset: 126,
  init_module: 175,
  finit_module: 313,
  delete_module: 176,
  kexec_load: 246,
  bpf: 321,
  perf_event_open: 298,
  reboot: 169,
  sethostname: 170,
  settimeofday: 164,
  mknod: 133,
  setns: 308,
  keyctl: 250,
}

/** Becoming root or another user, mounting, tracing, loading kernel code, changing the host. */
export function privilegeAttempts(orchestratorPid: number, probeId: string): string {
  return `${SANDBOX_ONLY}
SYS = ${JSON.stringify(SYS)}
attempt("setuid-root", lambda: os.setuid(0))
attempt("setgid-root", lambda: os.setgid(0))
attempt("setresuid-other-user", lambda: os.setresuid(1000, 1000, 1000))
attempt("setgroups-root", lambda: os.setgroups([0]))
attempt("unshare-mount-namespace", lambda: syscall(SYS["unshare"], 0x00020000))
attempt("setns-pid-1-mount-namespace", lambda: syscall(SYS["setns"], os.open("/proc/1/ns/mnt", os.O_RDONLY), 0))
attempt("mount-tmpfs", lambda: syscall(SYS["mount"], b"none", b"/tmp", b"tmpfs", 0, None))
attempt("remount-root-rw", lambda: syscall(SYS["mount"], None, b"/", None, 32 | 4096, None))
attempt("chroot", lambda: syscall(SYS["chroot"], b"/tmp"))
header = (ctypes.c_uint32 * 2)(0x20080522, 0)
data = (ctypes.c_uint32 * 6)(0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
attempt("capset-all", lambda: syscall(SYS["capset"], header, data))
attempt("ptrace-attach-orchestrator", lambda: syscall(SYS["ptrace"], 16, ${orchestratorPid}, 0, 0))
local = (ctypes.c_char * 8)()
iov_local = (ctypes.c_void_p * 2)(ctypes.cast(local, ctypes.c_void_p), 8)
iov_remote = (ctypes.c_void_p * 2)(0x400000, 8)
attempt("read-orchestrator-memory", lambda: syscall(SYS["process_vm_readv"], ${orchestratorPid}, iov_local, 1, iov_remote, 1, 0))
attempt("init-module", lambda: syscall(SYS["init_module"], b"\\0" * 64, 64, b""))
attempt("finit-module", lambda: syscall(SYS["finit_module"], os.open("/opt/tinyagent/runner.py", os.O_RDONLY), b"", 0))
attempt("delete-module", lambda: syscall(SYS["delete_module"], b"overlay", 0))
attempt("kexec-load", lambda: syscall(SYS["kexec_load"], 0, 0, None, 0))
attempt("bpf-map-create", lambda: syscall(SYS["bpf"], 0, (ctypes.c_uint32 * 5)(2, 4, 4, 1, 0), 20))
attempt("perf-event-open", lambda: syscall(SYS["perf_event_open"], (ctypes.c_uint32 * 32)(0, 128), 0, -1, -1, 0))
attempt("keyctl-join-session", lambda: syscall(SYS["keyctl"], 1, b"tinyagent-probe"))
attempt("reboot", lambda: syscall(SYS["reboot"], 0xfee1dead, 672274793, 0x4321FEDC, None))
attempt("sethostname", lambda: syscall(SYS["sethostname"], b"escaped", 7))
attempt("set-clock", lambda: syscall(SYS["settimeofday"], (ctypes.c_long * 2)(0, 0), None))
attempt("mknod-block-device", lambda: syscall(SYS["mknod"], b"/tmp/probe-sda", 0o60600, (8 << 8) | 0))
attempt("open-block-device", lambda: os.read(os.open("/tmp/probe-sda", os.O_RDONLY), 512))
attempt("write-modprobe-path", lambda: open("/proc/sys/kernel/modprobe", "w").write("/tmp/x"))
attempt("write-sysrq-trigger", lambda: open("/proc/sysrq-trigger", "w").write("h"))
attempt("write-core-pattern", lambda: open("/proc/sys/kernel/core_pattern", "w").write("|/tmp/x"))
# Last, since where it succeeds (gVisor) the process holds every capability inside its new,
# unmapped namespace: what that gains over anything outside it is tried right after.
attempt("unshare-user-namespace", lambda: syscall(SYS["unshare"], 0x10000000))
attempt("mount-tmpfs-in-user-namespace", lambda: syscall(SYS["mount"], b"none", b"/tmp", b"tmpfs", 0, None))
attempt("write-root-in-user-namespace", lambda: write_new("/probe-user-namespace-${probeId}"))
attempt("setuid-root-in-user-namespace", lambda: os.setuid(0))
`
}

/**
 * Root through the image's setuid-root binaries (no-new-privileges keeps their bit from
 * counting). `su` comes last: under gVisor it ends the whole sandbox (see the test).
 */
export const SETUID_BINARY_ATTEMPTS = `${SANDBOX_ONLY}
import subprocess
def run_setuid_binary(args):
    done = subprocess.run(args, capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    if done.returncode == 0:
        return "exit 0: " + done.stdout.strip()
    raise Stopped(f"exit {done.returncode}: {done.stderr.strip().splitlines()[0]}")
attempt("setuid-binary-mount", lambda: run_setuid_binary(["mount", "-t", "tmpfs", "none", "/tmp"]))
attempt("setuid-binary-su", lambda: run_setuid_binary(["su", "-c", "id -u", "root"]))
`

/** Wraps a payload so that it runs only inside the sandbox. */
export function sandboxOnly(code: string): string {
  return `${SANDBOX_ONLY}\n${code}`
}

/** Writing where nothing may be written, and running what was written. */
export function rootFilesystemAttempts(probeId: string): string {
  return `${SANDBOX_ONLY}
import shutil, stat, subprocess
attempt("write-root", lambda: write_new("/probe-${probeId}"))
attempt("write-usr", lambda: write_new("/usr/probe-${probeId}"))
attempt("write-site-packages-pth", lambda: write_new("/usr/lib/python3/dist-packages/probe-${probeId}.pth"))
attempt("modify-runner", lambda: open("/opt/tinyagent/runner.py", "a").write("#"))
attempt("write-etc-hosts", lambda: open("/etc/hosts", "a").write("#"))
def run_copy(directory):
    path = f"{directory}/probe-${probeId}"
    shutil.copy("/usr/bin/true", path)
    os.chmod(path, stat.S_IRWXU)
    done = subprocess.run([path])
    if done.returncode != 0:
        raise Stopped(f"exit {done.returncode}")
    return "executed"
attempt("exec-from-tmp", lambda: run_copy("/tmp"))
attempt("exec-from-dev-shm", lambda: run_copy("/dev/shm"))
attempt("exec-from-workspace", lambda: run_copy("/workspace"))
`
}
