/*
 * tinyagent-init: PID 1 of every sandbox container (see the Dockerfile beside it).
 *
 *     init -- COMMAND [ARG...]
 *
 * It gives every container an end that the code inside cannot lift, and that holds even when
 * the orchestrator that started it is gone: while the container waits for its code, the idle
 * deadline; once the code has arrived, the execution deadline. When a deadline passes, every
 * process in the container is killed.
 *
 * The protocol with the host (src/engine/init-protocol.ts must agree):
 *   environment  TINYAGENT_IDLE_DEADLINE_MS=<ms>, required, counted from init's start; it is
 *                removed from the environment before COMMAND runs.
 *   stdin        "<ms>\n" (1 to 9 decimal digits): the execution deadline, counted from when
 *                that line arrives. Every byte after it is passed on as COMMAND's stdin.
 *   exit code    124     a deadline passed (stderr says so); everything was killed
 *                125     an init or protocol error (usage, environment, header, a system call)
 *                128+N   COMMAND died of signal N, or stop signal N reached init (docker stop)
 *                N       otherwise COMMAND's own exit status
 *
 * Why code running as the same uid cannot lift the deadline:
 *   - Linux drops a signal sent to a pid namespace's init from inside the namespace unless
 *     init takes it; SIGKILL and SIGSTOP are always dropped. Init blocks every signal and
 *     takes only SIGCHLD and the stop signals (SIGTERM, SIGINT, SIGHUP) from a signalfd; a
 *     stop signal ends everything, which is early, never late.
 *   - gVisor does not protect its init that way (google/gvisor#11836): there, a SIGSTOP from
 *     inside would freeze the clock. So the child runs in a session of its own (kill(0, ...)
 *     cannot reach init's process group) under a seccomp filter that refuses SIGKILL and
 *     SIGSTOP to PID 1 by every route that names a target: the kill family, pidfds, and
 *     F_SETSIG (the signal an fd owner is sent). Its descendants inherit both.
 *   - Init is not dumpable: same-uid code cannot ptrace it or open /proc/1/mem.
 *   - Init never blocks on anything but poll(): stdin goes to COMMAND through a non-blocking
 *     pipe, so a child that stops reading cannot stall the loop that watches the clock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_DEADLINE 124
#define EXIT_INIT_ERROR 125
#define IDLE_DEADLINE_ENV "TINYAGENT_IDLE_DEADLINE_MS"
#define MAX_DEADLINE_DIGITS 9

enum stdin_state {
	READING_HEADER, /* the execution deadline line has not fully arrived */
	FORWARDING,     /* stdin goes to the child */
	DRAINING,       /* the child closed its stdin: the rest is read and dropped */
	CLOSED,         /* stdin ended */
};

struct init {
	pid_t child;
	int signals;  /* signalfd: SIGCHLD and the stop signals */
	int to_child; /* write end of the child's stdin, non-blocking; -1 once closed */
	enum stdin_state in;
	int64_t deadline_ms; /* CLOCK_MONOTONIC */
	/* buf[off, len) is stdin read but not yet written to the child (or the partial header). */
	char buf[65536];
	size_t off, len;
};

/*
 * One line to stderr. Only called once init is alone in the container (or before the child
 * exists), so making stderr non-blocking affects no one, and a host that stopped reading
 * cannot keep the container alive. Nothing is left to tell if the write fails.
 */
static void say(const char *format, va_list args)
{
	static const char prefix[] = "tinyagent-init: ";
	char line[256];
	size_t len = sizeof prefix - 1;
	memcpy(line, prefix, len);
	int n = vsnprintf(line + len, sizeof line - len - 1, format, args);
	len += n < 0 ? 0 : (size_t)n;
	if (len > sizeof line - 2)
		len = sizeof line - 2; /* truncated */
	line[len++] = '\n';

	/* Should this fail, stderr stays blocking: the write may wait, as any write to stderr would. */
	int flags = fcntl(STDERR_FILENO, F_GETFL);
	if (flags != -1)
		(void)fcntl(STDERR_FILENO, F_SETFL, flags | O_NONBLOCK);
	for (size_t done = 0; done < len;) {
		ssize_t written = write(STDERR_FILENO, line + done, len - done);
		if (written > 0) {
			done += (size_t)written;
		} else if (written == -1 && errno == EINTR) {
			continue;
		} else if (written == -1 && errno == EAGAIN) {
			/* A full pipe: give the host a moment to read, not forever. */
			struct pollfd out = {.fd = STDERR_FILENO, .events = POLLOUT};
			if (poll(&out, 1, 1000) <= 0)
				return;
		} else {
			return;
		}
	}
}

/*
 * Kills every other process in the pid namespace and waits for them. As its init we are the
 * parent of every orphan, so once waitpid() says there are no children, nobody is left. A
 * failure here ends nothing early: when init exits, the kernel kills the rest anyway.
 */
static void kill_all_and_reap(void)
{
	for (;;) {
		if (kill(-1, SIGKILL) == -1 && errno != ESRCH && errno != EPERM)
			return;
		pid_t pid = waitpid(-1, NULL, __WALL);
		if (pid == -1 && errno != EINTR)
			return; /* ECHILD: all gone */
	}
}

/* Ends the container: everything else first, then the message (if any), then init. */
__attribute__((noreturn, format(printf, 2, 3))) static void end(int code, const char *format, ...)
{
	kill_all_and_reap();
	if (format != NULL) {
		va_list args;
		va_start(args, format);
		say(format, args);
		va_end(args);
	}
	_exit(code);
}

static int64_t now_ms(void)
{
	struct timespec now;
	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		end(EXIT_INIT_ERROR, "clock_gettime: %s", strerror(errno));
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* 1 to MAX_DEADLINE_DIGITS decimal digits, nothing else: small enough for poll()'s int. */
static int parse_ms(const char *text, size_t len, int64_t *ms)
{
	if (len == 0 || len > MAX_DEADLINE_DIGITS)
		return -1;
	*ms = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		*ms = *ms * 10 + (text[i] - '0');
	}
	return 0;
}

static void close_child_stdin(struct init *s)
{
	if (close(s->to_child) == -1 && errno != EINTR)
		end(EXIT_INIT_ERROR, "closing the child's stdin: %s", strerror(errno));
	s->to_child = -1;
	s->off = s->len = 0;
}

/*
 * Looks for the header line in buf[0, len). A wrong byte fails at once, so a host that
 * speaks the old protocol (JSON first) gets a clear error, not an idle timeout.
 */
static void take_header(struct init *s)
{
	const char *newline = memchr(s->buf, '\n', s->len);
	size_t line = newline == NULL ? s->len : (size_t)(newline - s->buf);
	for (size_t i = 0; i < line; i++) {
		if (s->buf[i] < '0' || s->buf[i] > '9' || i >= MAX_DEADLINE_DIGITS)
			end(EXIT_INIT_ERROR,
			    "stdin must start with the execution deadline: 1 to %d decimal digits (ms) and a newline",
			    MAX_DEADLINE_DIGITS);
	}
	if (newline == NULL)
		return; /* the rest of the line is still on its way */
	int64_t ms;
	if (parse_ms(s->buf, line, &ms) == -1)
		end(EXIT_INIT_ERROR, "the execution deadline line is empty");
	s->deadline_ms = now_ms() + ms; /* replaces the idle deadline */
	s->in = FORWARDING;
	s->off = line + 1; /* what followed the header in the same read goes to the child */
}

static void read_stdin(struct init *s)
{
	if (s->in != READING_HEADER)
		s->off = s->len = 0; /* stdin is only polled once the buffer is written out */
	ssize_t n = read(STDIN_FILENO, s->buf + s->len, sizeof s->buf - s->len);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		end(EXIT_INIT_ERROR, "reading stdin: %s", strerror(errno));
	}
	if (n == 0) {
		if (s->in == READING_HEADER)
			end(EXIT_INIT_ERROR, "stdin ended before the execution deadline line");
		if (s->in == FORWARDING)
			close_child_stdin(s); /* the child sees EOF */
		s->in = CLOSED;
		return;
	}
	s->len += (size_t)n;
	if (s->in == READING_HEADER)
		take_header(s);
	else if (s->in == DRAINING)
		s->off = s->len = 0;
}

static void write_child(struct init *s)
{
	ssize_t n = write(s->to_child, s->buf + s->off, s->len - s->off);
	if (n >= 0) {
		s->off += (size_t)n;
	} else if (errno == EPIPE) {
		/* The child closed its stdin or died; its exit, if any, arrives as SIGCHLD. */
		close_child_stdin(s);
		s->in = DRAINING; /* keep reading, so the host's writes never block on us */
	} else if (errno != EINTR && errno != EAGAIN) {
		end(EXIT_INIT_ERROR, "writing to the child's stdin: %s", strerror(errno));
	}
}

/* Reaps every exited process: orphans are ours too. The child's exit ends the container. */
static void reap(struct init *s)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG | __WALL); /* __WALL: clone()d ones too */
		if (pid == 0 || (pid == -1 && errno == ECHILD))
			return;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			end(EXIT_INIT_ERROR, "waitpid: %s", strerror(errno));
		}
		if (pid == s->child)
			end(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status), NULL);
	}
}

static void take_signals(struct init *s)
{
	for (;;) {
		struct signalfd_siginfo info;
		ssize_t n = read(s->signals, &info, sizeof info);
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof info)
			end(EXIT_INIT_ERROR, "reading the signalfd: %s", n == -1 ? strerror(errno) : "short read");
		if (info.ssi_signo == SIGCHLD)
			reap(s);
		else
			end(128 + (int)info.ssi_signo, NULL); /* docker stop, or the code asking to end */
	}
}

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "tinyagent-init: set NATIVE_ARCH for this architecture"
#endif

/* The low 32 bits of a system call argument (pids, signals and fcntl commands are ints). */
#define ARG(n) \
	(offsetof(struct seccomp_data, args[n]) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0))
#define LOAD(offset) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (offset))
#define RETURN(action) BPF_STMT(BPF_RET | BPF_K, (action))
#define REFUSED (SECCOMP_RET_ERRNO | EPERM)

/*
 * The rules. Each decides its own system call: system call `nr` is refused when argument `key`
 * is `value` (if given) and argument `sig` is SIGKILL or SIGSTOP, and allowed otherwise. Other
 * system calls skip the rule with their number still loaded, so rules chain.
 */
#define REFUSE_KILL_STOP(nr, sig)                                    \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 5), LOAD(ARG(sig)), \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGKILL, 1, 0),          \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGSTOP, 0, 1), RETURN(REFUSED), RETURN(SECCOMP_RET_ALLOW)
#define REFUSE_KILL_STOP_IF(nr, key, value, sig)                             \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 7), LOAD(ARG(key)),      \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (value), 0, 4), LOAD(ARG(sig)), \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGKILL, 1, 0),               \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGSTOP, 0, 1), RETURN(REFUSED), RETURN(SECCOMP_RET_ALLOW)

/* See "Why code ... cannot lift the deadline" at the top. Called in the child, before exec. */
static int protect_init(void)
{
	struct sock_filter rules[] = {
		/* Another ABI (i386 or x32 on x86_64) would bypass the numbers below: none of it. */
		LOAD(offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		RETURN(SECCOMP_RET_ERRNO | ENOSYS),
		LOAD(offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1),
		RETURN(SECCOMP_RET_ERRNO | ENOSYS),
#endif
		/* Argument 0 is the target pid (or tgid); 1 is init. */
		REFUSE_KILL_STOP_IF(__NR_kill, 0, 1, 1),
		REFUSE_KILL_STOP_IF(__NR_tkill, 0, 1, 1),
		REFUSE_KILL_STOP_IF(__NR_tgkill, 0, 1, 2),
		REFUSE_KILL_STOP_IF(__NR_rt_sigqueueinfo, 0, 1, 1),
		REFUSE_KILL_STOP_IF(__NR_rt_tgsigqueueinfo, 0, 1, 2),
		/* The signal an fd's owner (which may be init) is sent on I/O, a lease or dnotify. */
		REFUSE_KILL_STOP_IF(__NR_fcntl, 1, F_SETSIG, 2),
		/* A pidfd does not say whose it is: no SIGKILL or SIGSTOP through any. */
		REFUSE_KILL_STOP(__NR_pidfd_send_signal, 1),
		RETURN(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog program = {.len = sizeof rules / sizeof rules[0], .filter = rules};
	if (setsid() == -1)
		return -1;
	/* Docker's no-new-privileges has set it already; without it an unprivileged filter is refused. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
}

/* The container's stdin, for the child: the read end of a pipe that init fills. */
static pid_t start_child(char **command, int child_stdin, const sigset_t *original_mask)
{
	pid_t pid = fork();
	if (pid == -1)
		end(EXIT_INIT_ERROR, "fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	/* The child: stdout and stderr stay the container's; init's other descriptors are CLOEXEC. */
	if (dup2(child_stdin, STDIN_FILENO) == -1) {
		perror("tinyagent-init: dup2");
		_exit(EXIT_INIT_ERROR);
	}
	if (sigprocmask(SIG_SETMASK, original_mask, NULL) == -1) {
		perror("tinyagent-init: sigprocmask");
		_exit(EXIT_INIT_ERROR);
	}
	if (protect_init() == -1) {
		perror("tinyagent-init: protecting PID 1 from the child");
		_exit(EXIT_INIT_ERROR);
	}
	execvp(command[0], command);
	fprintf(stderr, "tinyagent-init: cannot run %s: %s\n", command[0], strerror(errno));
	_exit(EXIT_INIT_ERROR);
}

int main(int argc, char **argv)
{
	/* First of all: from here on, same-uid code can neither ptrace us nor read our memory. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		perror("tinyagent-init: prctl(PR_SET_DUMPABLE)");
		return EXIT_INIT_ERROR;
	}
	/* kill(-1) must only ever reach our own pid namespace (not --pid=host, not under tini). */
	if (getpid() != 1) {
		fprintf(stderr, "tinyagent-init: must run as PID 1 of the container, not as PID %d\n",
			(int)getpid());
		return EXIT_INIT_ERROR;
	}
	static struct init s = {.to_child = -1, .in = READING_HEADER};
	if (argc < 3 || strcmp(argv[1], "--") != 0)
		end(EXIT_INIT_ERROR, "usage: init -- COMMAND [ARG...]");

	const char *idle = getenv(IDLE_DEADLINE_ENV);
	int64_t idle_ms;
	if (idle == NULL || parse_ms(idle, strlen(idle), &idle_ms) == -1)
		end(EXIT_INIT_ERROR, "%s must be set to the idle deadline: 1 to %d decimal digits (ms)",
		    IDLE_DEADLINE_ENV, MAX_DEADLINE_DIGITS);
	s.deadline_ms = now_ms() + idle_ms;
	/*
	 * The child must not see it: not in its environment, nor in /proc/1/environ, which gVisor
	 * lets it read (Linux does not, we are not dumpable). unsetenv() drops only the pointer;
	 * the bytes stay where the kernel put them, so they are wiped too.
	 */
	char *entry = (char *)idle - strlen(IDLE_DEADLINE_ENV "=");
	size_t entry_len = strlen(entry);
	if (unsetenv(IDLE_DEADLINE_ENV) == -1)
		end(EXIT_INIT_ERROR, "unsetenv: %s", strerror(errno));
	memset(entry, 0, entry_len);

	/* Blocked before the fork, so no SIGCHLD can come before we read the signalfd. */
	sigset_t all, original, wanted;
	if (sigfillset(&all) == -1 || sigemptyset(&wanted) == -1 || sigaddset(&wanted, SIGCHLD) == -1 ||
	    sigaddset(&wanted, SIGTERM) == -1 || sigaddset(&wanted, SIGINT) == -1 ||
	    sigaddset(&wanted, SIGHUP) == -1)
		end(EXIT_INIT_ERROR, "building signal sets: %s", strerror(errno));
	if (sigprocmask(SIG_SETMASK, &all, &original) == -1)
		end(EXIT_INIT_ERROR, "sigprocmask: %s", strerror(errno));
	s.signals = signalfd(-1, &wanted, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.signals == -1)
		end(EXIT_INIT_ERROR, "signalfd: %s", strerror(errno));

	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) == -1)
		end(EXIT_INIT_ERROR, "pipe2: %s", strerror(errno));
	s.child = start_child(argv + 2, pipe_fds[0], &original);
	s.to_child = pipe_fds[1];
	if (close(pipe_fds[0]) == -1)
		end(EXIT_INIT_ERROR, "close: %s", strerror(errno));
	if (fcntl(s.to_child, F_SETFL, O_NONBLOCK) == -1)
		end(EXIT_INIT_ERROR, "fcntl(O_NONBLOCK): %s", strerror(errno));

	for (;;) {
		int64_t left = s.deadline_ms - now_ms();
		if (left <= 0)
			end(EXIT_DEADLINE, "deadline passed");
		struct pollfd fds[2] = {{.fd = s.signals, .events = POLLIN}, {.fd = -1}};
		if (s.off < s.len && s.in == FORWARDING)
			fds[1] = (struct pollfd){.fd = s.to_child, .events = POLLOUT};
		else if (s.in != CLOSED)
			fds[1] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		if (poll(fds, 2, left > INT_MAX ? INT_MAX : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			end(EXIT_INIT_ERROR, "poll: %s", strerror(errno));
		}
		if (fds[0].revents != 0)
			take_signals(&s);
		if (fds[1].revents != 0 && fds[1].fd == STDIN_FILENO)
			read_stdin(&s);
		else if (fds[1].revents != 0)
			write_child(&s);
	}
}
