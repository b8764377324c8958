#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""On-access overhead benchmark of mdewatch(8) (python3 standard library).

Needs root (fanotify permission events, tmpfs mounts).

Workload: unpack a synthetic source tree (--files small files, default
20,000, in a tarball built once under --work) onto a tmpfs with tar(1), then
read every file back.  Timed on the bare tmpfs and with `mdewatch --mode
block` watching it (each watched run with a fresh, empty scan cache, so
every file is really scanned once), gated at the open (the default) and at
the read (--gate read: creating and writing files costs no round trip);
and once more with --no-cage (the parser cage is on by default: the
ratio of the two is what it costs the watcher); medians of --runs runs,
interleaved, and the ratio watched / unwatched (target <= 1.15).

The floor (unless --no-floor; needs cc): the same workload under a
trivial always-allow fanotify responder in C (built under --work), which
scans nothing: "allow-all" answers every open (FAN_OPEN_PERM and
FAN_OPEN_EXEC_PERM on the mount, like mdewatch --mode block), so each
create and each read-back open is one permission round trip;
"allow-all+ignore" also reads FAN_CLOSE_WRITE from a second group in
batches and puts an ignore mark on every file written, as mdewatch does
after a clean background scan, so only the create is a round trip.  No
watcher that holds opens up can beat those.  "read-allow" answers every
read instead (FAN_ACCESS_PERM and FAN_OPEN_EXEC_PERM, like --gate read):
a round trip per read(2) call, none per create; "read+ign" adds the
ignore marks after close-write, so a file read back after its mark is in
place costs nothing.

Cached opens: --opens opens (default 10,000) of the same 100 files,
already scanned, each open timed alone; the percentiles with and without
the watcher and the added p99 latency (target <= 50 us).

With --clamav (the default when clamd and clamonacc are installed), the
same with ClamAV's clamonacc in prevention mode (OnAccessPrevention, fd
passing to a private clamd whose database is sigdb/, ClamAV format):
that is what the numbers are compared with.

  tests/bench/watch.py [--runs N] [--files N] [--opens N] [--threads N]
                       [--work DIR] [--mdewatch PATH] [--no-clamav]
                       [--no-floor] [--json FILE]
"""
import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
GEN_VERSION = 1
WORDS = ("static int void return struct const char unsigned size_t "
         "if else for while switch case break default goto out error "
         "buffer length offset header table entry value key node list "
         "#include <stdio.h> /* comment */ { } ( ) ; = + - * & |").split()
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" +
         b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def log(msg):
    print(msg, flush=True)


# ------------------------------------------------------------ data set

def gen_tarball(work, nfiles, seed):
    """A tarball of nfiles small files in a source-tree shape, built once."""
    tar = os.path.join(work, "tree-%d-%d-v%d.tar" % (nfiles, seed,
                                                     GEN_VERSION))
    if os.path.exists(tar):
        return tar
    log("building %s ..." % tar)
    rnd = random.Random(seed)
    src = os.path.join(work, "tree-src")
    shutil.rmtree(src, ignore_errors=True)
    for i in range(nfiles):
        d = os.path.join(src, "pkg%02d" % (i % 40), "mod%03d" % (i % 1000 // 40 * 7 % 250))
        os.makedirs(d, exist_ok=True)
        # sizes like a source tree: mostly 1-16 KiB, a few larger
        size = int(min(256 * 1024, rnd.lognormvariate(8.3, 1.1)))
        if i % 10 == 9:
            body = bytes(rnd.getrandbits(8) for _ in range(min(size, 4096)))
            body = (body * (size // max(1, len(body)) + 1))[:size]
        else:
            out, n = [], 0
            while n < size:
                w = rnd.choice(WORDS)
                out.append(w)
                n += len(w) + 1
            body = " ".join(out).encode()[:size]
        ext = (".c", ".h", ".py", ".txt", ".bin")[i % 5 if i % 10 != 9 else 4]
        with open(os.path.join(d, "f%05d%s" % (i, ext)), "wb") as fh:
            fh.write(body)
    tmp = tar + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.GNU_FORMAT) as tf:
        tf.add(src, arcname="tree")
    os.rename(tmp, tar)
    shutil.rmtree(src)
    return tar


# ------------------------------------------------------------ workload

def read_all(root):
    buf = bytearray(1 << 20)
    n = 0
    for dirpath, _, files in os.walk(root):
        for f in files:
            fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            try:
                while os.readv(fd, [buf]) > 0:
                    pass
            finally:
                os.close(fd)
            n += 1
    return n


def workload(mnt, tar):
    """Seconds to unpack tar into mnt and read every file back, seconds
    of the unpack alone, and the number of files read."""
    dest = os.path.join(mnt, "run")
    os.mkdir(dest)
    t0 = time.perf_counter()
    subprocess.run(["tar", "-xf", tar, "-C", dest], check=True)
    t1 = time.perf_counter()
    n = read_all(dest)
    el = time.perf_counter() - t0
    shutil.rmtree(dest)
    return el, t1 - t0, n


def open_latencies(mnt, nopens):
    """ns of each of nopens opens of 100 files scanned before."""
    d = os.path.join(mnt, "lat")
    files = [os.path.join(d, "f%03d" % i) for i in range(100)]
    for f in files:           # warm: every file opened (scanned) once
        os.close(os.open(f, os.O_RDONLY))
    for f in files:
        os.close(os.open(f, os.O_RDONLY))
    lat = []
    for i in range(nopens):
        f = files[i % len(files)]
        t0 = time.perf_counter_ns()
        fd = os.open(f, os.O_RDONLY)
        lat.append(time.perf_counter_ns() - t0)
        os.close(fd)
    return lat


def make_lat_files(mnt):
    d = os.path.join(mnt, "lat")
    shutil.rmtree(d, ignore_errors=True)
    os.mkdir(d)
    rnd = random.Random(7)
    for i in range(100):
        with open(os.path.join(d, "f%03d" % i), "wb") as fh:
            fh.write(bytes(rnd.getrandbits(8) for _ in range(4096)))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100.0))]


# ------------------------------------------------------------ watchers

class Mdewatch:
    def __init__(self, binary, mnt, work, threads, extra=()):
        self.binary, self.mnt, self.work, self.threads = (binary, mnt, work,
                                                          threads)
        self.extra = list(extra)
        self.proc = None

    def start(self):
        cache = os.path.join(self.work, "mdewatch-cache")
        shutil.rmtree(cache, ignore_errors=True)
        ready = os.path.join(self.work, "mdewatch.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.stats = os.path.join(self.work, "mdewatch.stats")
        self.err = open(os.path.join(self.work, "mdewatch.err"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--mode", "block", "--path", self.mnt,
             "--threads", str(self.threads), "--cache-dir", cache,
             "--pidfile", os.path.join(self.work, "mdewatch.pid"),
             "--stats-file", self.stats, "--ready-file", ready,
             "--log-level", "warning"] + self.extra, stderr=self.err)
        limit = time.monotonic() + 20
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > limit:
                sys.exit("watch.py: mdewatch did not start (see %s)"
                         % self.err.name)
            time.sleep(0.01)

    def counters(self):
        self.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)
        with open(self.stats) as fh:
            return json.load(fh)["counters"]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(10)
        self.err.close()
        if rc != 0:
            sys.exit("watch.py: mdewatch exited %d" % rc)


ALLOW_ALL_C = r"""
/* allow-all MOUNT READYFILE [ignore] [read]: answers every open ALLOW;
 * with "read", every read instead (FAN_ACCESS_PERM); with "ignore", reads
 * close-writes from a second group in batches (5 ms) and puts an ignore
 * mark for that event on each file written */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

static int fan, fanw;
static unsigned long long gate = FAN_OPEN_PERM;

static void *closes(void *arg)
{
	static char buf[256 * 1024] __attribute__((aligned(8)));
	(void)arg;
	for (;;) {
		const struct fanotify_event_metadata *md = (void *)buf;
		ssize_t n = read(fanw, buf, sizeof(buf));

		for (; n > 0 && FAN_EVENT_OK(md, n); md = FAN_EVENT_NEXT(md, n)) {
			struct stat st;

			if (md->fd < 0)
				continue;
			fstat(md->fd, &st);
			fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK |
				      FAN_MARK_EVICTABLE, gate, md->fd, NULL);
			close(md->fd);
		}
		usleep(5000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static char buf[256 * 1024] __attribute__((aligned(8)));
	unsigned ef = O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME;
	pthread_t t;
	int fd, i, ignore = 0;

	if (argc < 3)
		return 2;
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "read") == 0)
			gate = FAN_ACCESS_PERM;
		ignore |= strcmp(argv[i], "ignore") == 0;
	}
	fan = fanotify_init(FAN_CLOEXEC | FAN_CLASS_CONTENT |
			    FAN_UNLIMITED_MARKS, ef);
	if (fan < 0 || fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_MOUNT,
				     gate | FAN_OPEN_EXEC_PERM,
				     AT_FDCWD, argv[1]) < 0) {
		perror("allow-all");
		return 2;
	}
	if (ignore) {
		fanw = fanotify_init(FAN_CLOEXEC | FAN_CLASS_NOTIF |
				     FAN_UNLIMITED_QUEUE, ef);
		if (fanw < 0 || fanotify_mark(fanw, FAN_MARK_ADD | FAN_MARK_MOUNT,
					      FAN_CLOSE_WRITE, AT_FDCWD,
					      argv[1]) < 0 ||
		    pthread_create(&t, NULL, closes, NULL)) {
			perror("allow-all");
			return 2;
		}
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	for (;;) {
		const struct fanotify_event_metadata *md = (void *)buf;
		ssize_t n = read(fan, buf, sizeof(buf));

		for (; n > 0 && FAN_EVENT_OK(md, n); md = FAN_EVENT_NEXT(md, n)) {
			struct fanotify_response r = { md->fd, FAN_ALLOW };
			struct stat st;

			if (md->fd < 0)
				continue;
			fstat(md->fd, &st);
			if (write(fan, &r, sizeof(r)) < 0)
				perror("allow-all: response");
			close(md->fd);
		}
	}
}
"""


class AllowAll:
    """The floor: a trivial always-allow responder (see the docstring)."""

    def __init__(self, work, mnt, ignore, read=False):
        self.work, self.mnt, self.ignore, self.read = work, mnt, ignore, read
        self.binary = os.path.join(work, "allow-all")
        self.proc = None

    def build(self):
        src = self.binary + ".c"
        with open(src, "w") as fh:
            fh.write(ALLOW_ALL_C)
        r = subprocess.run(["cc", "-O2", "-pthread", "-o", self.binary, src],
                           stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise OSError("cc: %s" % r.stderr.decode(errors="replace"))

    def start(self):
        ready = self.binary + ".ready"
        if os.path.exists(ready):
            os.unlink(ready)
        self.proc = subprocess.Popen(
            [self.binary, self.mnt, ready] +
            (["ignore"] if self.ignore else []) +
            (["read"] if self.read else []))
        limit = time.monotonic() + 20
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > limit:
                sys.exit("watch.py: allow-all did not start")
            time.sleep(0.01)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Clamonacc:
    """clamd (private config, socket and database) + clamonacc --fdpass
    in prevention mode on the mount."""
    name = "clamonacc"

    def __init__(self, mnt, work):
        self.mnt, self.work = mnt, work
        self.dir = os.path.join(work, "clamav")
        self.clamd = self.onacc = None

    @staticmethod
    def available():
        return bool(shutil.which("clamd") and shutil.which("clamonacc"))

    def start(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        db = os.path.join(self.dir, "db")
        os.makedirs(db)
        for f in ("eicar.hsb", "eicar.ndb"):
            shutil.copy(os.path.join(TOP, "sigdb", f), db)
        self.sock = os.path.join(self.dir, "clamd.sock")
        conf = os.path.join(self.dir, "clamd.conf")
        with open(conf, "w") as fh:
            fh.write("\n".join([
                "LocalSocket " + self.sock,
                "DatabaseDirectory " + db,
                "Foreground yes",
                "LogFile " + os.path.join(self.dir, "clamd.log"),
                "TemporaryDirectory " + self.dir,
                "PidFile " + os.path.join(self.dir, "clamd.pid"),
                "OnAccessIncludePath " + self.mnt,
                "OnAccessPrevention yes",
                "OnAccessMaxFileSize 20M",
                "OnAccessExcludeUname clamav",
                ""]))
        self.err = open(os.path.join(self.dir, "stderr"), "ab")
        self.clamd = subprocess.Popen(["clamd", "-c", conf],
                                      stdout=self.err, stderr=self.err)
        limit = time.monotonic() + 60
        while not os.path.exists(self.sock):
            if self.clamd.poll() is not None or time.monotonic() > limit:
                raise RuntimeError("clamd did not start (see %s)"
                                   % self.err.name)
            time.sleep(0.05)
        self.onacc = subprocess.Popen(
            ["clamonacc", "-c", conf, "--fdpass", "--foreground",
             "-l", os.path.join(self.dir, "clamonacc.log")],
            stdout=self.err, stderr=self.err)
        # ready when an EICAR file can no longer be read
        probe = os.path.join(self.mnt, "probe.txt")
        with open(probe, "wb") as fh:
            fh.write(EICAR)
        limit = time.monotonic() + 60
        while True:
            if self.onacc.poll() is not None or time.monotonic() > limit:
                raise RuntimeError("clamonacc did not start blocking (see %s)"
                                   % self.err.name)
            try:
                with open(probe, "rb"):
                    pass
            except PermissionError:
                break
            time.sleep(0.2)
        os.unlink(probe)

    def stop(self):
        for p in (self.onacc, self.clamd):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.err.close()


# ------------------------------------------------------------ main

def run_workloads(a, mnt, tar, watcher, label):
    """a.runs timed workloads, watcher started afresh for each."""
    times = []
    for i in range(a.runs):
        if watcher:
            watcher.start()
        el, unpack, n = workload(mnt, tar)
        extra = ""
        if isinstance(watcher, Mdewatch):
            c = watcher.counters()
            extra = (" (perm events %d, scanned %d, in the background %d,"
                     " cached %d, coalesced %d, empty %d, fail-open %d)"
                     % (c["perm"], c["scanned"], c.get("background", 0),
                        c["cached"], c.get("coalesced", 0), c["empty"],
                        c["fail_open"]))
        if watcher:
            watcher.stop()
        times.append(el)
        log("  %-10s run %d: %.3f s (unpack %.3f, read %.3f), %d files%s"
            % (label, i + 1, el, unpack, el - unpack, n, extra))
    return times


def latency(a, mnt, watcher, label):
    make_lat_files(mnt)
    if watcher:
        watcher.start()
    lat = open_latencies(mnt, a.opens)
    extra = ""
    if isinstance(watcher, Mdewatch):
        c = watcher.counters()
        extra = " (daemon: %d answered from the memory cache)" % c["cached"]
    if watcher:
        watcher.stop()
    r = {p: pct(lat, p) / 1000.0 for p in (50, 90, 99, 99.9)}
    r["max"] = max(lat) / 1000.0
    log("  %-10s open latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f"
        "  max %.1f%s" % (label, r[50], r[90], r[99], r[99.9], r["max"],
                          extra))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--opens", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--work", default="/var/tmp/mdewatch-bench")
    ap.add_argument("--mdewatch", default=os.path.join(TOP, "src",
                                                        "mdewatch", "mdewatch"))
    ap.add_argument("--no-clamav", action="store_true")
    ap.add_argument("--no-floor", action="store_true",
                    help="do not time the always-allow responder")
    ap.add_argument("--json", help="write the results to this file")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("watch.py: needs root (fanotify permission events, tmpfs)")
    if not os.access(a.mdewatch, os.X_OK):
        sys.exit("watch.py: no mdewatch at %s (build it, or --mdewatch)"
                 % a.mdewatch)
    os.makedirs(a.work, exist_ok=True)
    tar = gen_tarball(a.work, a.files, a.seed)
    mnt = os.path.join(a.work, "mnt")
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2g", "mdewatch-bench",
                    mnt], check=True)
    res = {"files": a.files, "runs": a.runs, "opens": a.opens,
           "threads": a.threads, "nproc": os.cpu_count()}
    try:
        log("workload: unpack %d files with tar, read them back; %d runs "
            "each, interleaved" % (a.files, a.runs))
        variants = [
            ("unwatched", None),
            ("mdewatch", Mdewatch(a.mdewatch, mnt, a.work, a.threads)),
            ("--no-cache", Mdewatch(a.mdewatch, mnt, a.work, a.threads,
                                    ["--no-cache"])),
            ("--no-cage", Mdewatch(a.mdewatch, mnt, a.work, a.threads,
                                   ["--no-cage"])),
            ("gate-read", Mdewatch(a.mdewatch, mnt, a.work, a.threads,
                                   ["--gate", "read"])),
        ]
        if not a.no_floor:
            floor = [("allow-all", AllowAll(a.work, mnt, False)),
                     ("allow+ign", AllowAll(a.work, mnt, True)),
                     ("read-allow", AllowAll(a.work, mnt, False, True)),
                     ("read+ign", AllowAll(a.work, mnt, True, True))]
            try:
                floor[0][1].build()
                variants += floor
            except OSError as e:
                res["floor"] = "not measured: %s" % e
        times = {name: [] for name, _ in variants}
        one = argparse.Namespace(runs=1)
        for _ in range(a.runs):        # interleaved: drift hits all
            for name, w in variants:
                times[name] += run_workloads(one, mnt, tar, w, name)
        res["unwatched_s"] = statistics.median(times["unwatched"])
        res["mdewatch_s"] = statistics.median(times["mdewatch"])
        res["ratio"] = res["mdewatch_s"] / res["unwatched_s"]
        res["nocache_s"] = statistics.median(times["--no-cache"])
        res["nocache_ratio"] = res["nocache_s"] / res["unwatched_s"]
        res["nocage_s"] = statistics.median(times["--no-cage"])
        res["nocage_ratio"] = res["nocage_s"] / res["unwatched_s"]
        res["cage_cost"] = res["mdewatch_s"] / res["nocage_s"]
        res["gate_read_s"] = statistics.median(times["gate-read"])
        res["gate_read_ratio"] = res["gate_read_s"] / res["unwatched_s"]
        for name, key in (("allow-all", "allow_all"),
                          ("allow+ign", "allow_all_ignore"),
                          ("read-allow", "read_allow"),
                          ("read+ign", "read_allow_ignore")):
            if times.get(name):
                res[key + "_s"] = statistics.median(times[name])
                res[key + "_ratio"] = res[key + "_s"] / res["unwatched_s"]
        log("cached opens: %d opens of 100 files scanned before" % a.opens)
        lb = latency(a, mnt, None, "unwatched")
        lw = latency(a, mnt, Mdewatch(a.mdewatch, mnt, a.work, a.threads),
                     "mdewatch")
        lm = latency(a, mnt, Mdewatch(a.mdewatch, mnt, a.work, a.threads,
                                      ["--no-kernel-cache"]),
                     "memory")
        res["open_us_unwatched"] = lb
        res["open_us_mdewatch"] = lw
        res["open_us_memory_cache"] = lm
        res["added_p99_us"] = lw[99] - lb[99]
        res["added_p50_us"] = lw[50] - lb[50]
        res["memory_added_p99_us"] = lm[99] - lb[99]
        res["memory_added_p50_us"] = lm[50] - lb[50]
        if not a.no_clamav:
            if not Clamonacc.available():
                res["clamonacc"] = "not installed (apt-get install clamav-daemon)"
            else:
                ca = Clamonacc(mnt, a.work)
                try:
                    cl = run_workloads(a, mnt, tar, ca, "clamonacc")
                    res["clamonacc_s"] = statistics.median(cl)
                    res["clamonacc_ratio"] = (res["clamonacc_s"] /
                                              res["unwatched_s"])
                    lc = latency(a, mnt, ca, "clamonacc")
                    res["open_us_clamonacc"] = lc
                    res["clamonacc_added_p99_us"] = lc[99] - lb[99]
                except (RuntimeError, subprocess.SubprocessError,
                        OSError) as e:
                    ca.stop()
                    res["clamonacc"] = "could not run: %s" % e
    finally:
        subprocess.run(["umount", "-l", mnt])
    log("")
    log("medians of %d runs, %d files, %d CPUs" % (a.runs, a.files,
                                                   os.cpu_count()))
    log("unwatched                    %.3f s" % res["unwatched_s"])
    log("mdewatch --mode block        %.3f s  ratio %.2fx  (target <= 1.15x:"
        " %s)" % (res["mdewatch_s"], res["ratio"],
                  "ok" if res["ratio"] <= 1.15 else "MISS"))
    log("mdewatch --no-cache          %.3f s  ratio %.2fx"
        % (res["nocache_s"], res["nocache_ratio"]))
    log("mdewatch --no-cage           %.3f s  ratio %.2fx  (the parser cage,"
        " on by default, costs %.2fx)" % (res["nocage_s"],
                                          res["nocage_ratio"],
                                          res["cage_cost"]))
    log("mdewatch --gate read         %.3f s  ratio %.2fx  (target <= 1.15x:"
        " %s)" % (res["gate_read_s"], res["gate_read_ratio"],
                  "ok" if res["gate_read_ratio"] <= 1.15 else "MISS"))
    if "allow_all_s" in res:
        log("floor: allow-all             %.3f s  ratio %.2fx  (a round trip "
            "per open, no scan)" % (res["allow_all_s"], res["allow_all_ratio"]))
        log("floor: allow-all+ignore      %.3f s  ratio %.2fx  (a round trip "
            "per create, no scan)" % (res["allow_all_ignore_s"],
                                       res["allow_all_ignore_ratio"]))
        log("floor: read-allow            %.3f s  ratio %.2fx  (a round trip "
            "per read, none per create)" % (res["read_allow_s"],
                                            res["read_allow_ratio"]))
        log("floor: read-allow+ignore     %.3f s  ratio %.2fx  (a round trip "
            "per read of a file not yet marked)"
            % (res["read_allow_ignore_s"], res["read_allow_ignore_ratio"]))
    elif "floor" in res:
        log("floor: %s" % res["floor"])
    log("cached open, added latency:  p50 %.1f us, p99 %.1f us  "
        "(target p99 <= 50 us: %s)"
        % (res["added_p50_us"], res["added_p99_us"],
           "ok" if res["added_p99_us"] <= 50 else "MISS"))
    log("  memory cache only (--no-kernel-cache): p50 %.1f us, p99 %.1f us"
        % (res["memory_added_p50_us"], res["memory_added_p99_us"]))
    if "clamonacc_s" in res:
        log("clamonacc prevention         %.3f s  ratio %.2fx; cached open "
            "added p50 %.1f us, p99 %.1f us"
            % (res["clamonacc_s"], res["clamonacc_ratio"],
               res["open_us_clamonacc"][50] - lb[50],
               res["clamonacc_added_p99_us"]))
    elif "clamonacc" in res:
        log("clamonacc: %s" % res["clamonacc"])
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
