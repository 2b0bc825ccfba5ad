"""`nkdocker` side by side with the docker CLI (28, on the machine) on one sandbox daemon.

Each case of CASES runs its steps with `docker` (DOCKER_HOST = the sandbox) and with
`nkdocker`, and compares exit codes, stdout and stderr after normalising what may
differ between two runs: ids, times, and the daemon's host-dependent warnings.
`{me}` in a step is "dk" for docker and "nk" for nkdocker, so both can create
objects side by side. docs/cli.md's parity table is generated from CASES
(`python tests/test_cli_parity.py` rewrites it; a test checks it is current).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cli_forkserver
import pexpect
import pytest

import nkdocker_actors as nk
from nkdocker_actors import sandbox

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "cli.md"
BEGIN = "<!-- parity:begin (python tests/test_cli_parity.py) -->"
END = "<!-- parity:end -->"
NK = [sys.executable, "-m", "nkdocker_actors"]


@dataclass(frozen=True)
class Case:
    """Steps run by both tools; `out` says how stdout is compared:
    "exact" (after normalising), "table" (cells of each row), "processes" (a table of
    `ps` columns, the CPU share left out), "sorted" (lines, any order), "json" (parsed),
    "head" (the header row only), "none"."""

    name: str
    steps: tuple[str, ...]
    out: str = "exact"
    stdin: str = ""
    err: bool = True  # compare stderr too
    setup: tuple[str, ...] = ()  # run by docker alone first (what both steps need)
    cleanup: tuple[str, ...] = ()
    note: str = ""
    tty: bool = False


C = Case
CASES: tuple[Case, ...] = (
    C("ps", ("ps -a --filter name=pa-",), "table"),
    C("ps -q", ("ps -q --filter name=pa-run",)),
    C("ps --no-trunc -q", ("ps -a --no-trunc -q --filter name=pa-",), "sorted"),
    C("ps --format", ("ps -a --format {{.Names}}:{{.Status}} --filter name=pa-",), "sorted"),
    C(
        "ps --format table",
        ("ps --format 'table {{.ID}}\\t{{.Names}}\\t{{.Ports}}' --filter name=pa-run",),
        "table",
    ),
    C("ps -n", ("ps -n 1 --format {{.Names}}",)),
    C("ps --format json keys", ("ps --format '{{json .}}' --filter name=pa-run",), "json"),
    C("ps -s", ("ps -s --filter name=pa-run",), "table"),
    C("ps --filter status", ("ps -a -q --filter status=exited --filter name=pa-stopped",)),
    C("ps --filter label", ("ps --format {{.Names}} --filter label=pa=1",)),
    C("images", ("images busybox",), "table"),
    C("images -a --digests", ("images -a --digests busybox",), "table"),
    C("images --no-trunc", ("images --no-trunc -q busybox",)),
    C("images -q", ("images -q busybox",)),
    C("images --format", ("images --format {{.Repository}}:{{.Tag}} busybox",)),
    C("inspect -f (containers)", ("inspect -f {{.State.Status}} pa-run pa-stopped",)),
    C("inspect -f (tagged image)", ("inspect -f {{.Id}} busybox:latest",)),
    C("inspect --type", ("inspect --type network -f {{.Name}} pa-net",)),
    C("inspect, one name bad", ("inspect -f {{.Name}} pa-run no-such-thing",)),
    C("inspect json", ("inspect pa-run",), "json"),
    C("stop (stopped)", ("stop pa-stopped",)),
    C("start (running)", ("start pa-run",)),
    C("stop missing", ("stop pa-stopped no-such-container",)),
    C("kill missing", ("kill no-such-container",)),
    C("rm missing", ("rm no-such-container",)),
    C("rm -f missing", ("rm -f no-such-container",)),
    C("port", ("port pa-run", "port pa-run 80", "port pa-run 80/tcp")),
    C("port unpublished", ("port pa-run 81",)),
    C("top", ("top pa-run",), "processes"),
    C("diff", ("diff pa-stopped",), "sorted"),
    C("logs", ("logs pa-stopped",)),
    C("logs --tail", ("logs -n 1 pa-stopped",)),
    C("logs -t", ("logs -t pa-stopped",)),
    C("logs --since", ("logs --since 2000-01-01T00:00:00Z pa-stopped",)),
    C("top ps options", ("top pa-run -o pid,comm",), "table"),
    C(
        "history -q --no-trunc",
        ("history -q busybox:latest", "history --no-trunc busybox:latest"),
        "table",
    ),
    C("wait", ("wait pa-stopped",)),
    C("exec", ("exec pa-run sh -c 'echo out; echo err >&2; exit 4'",)),
    C("exec -i", ("exec -i pa-run cat",), stdin="piped\n"),
    C("exec -it, stdin not a TTY", ("exec -it pa-run true",)),
    C("run", ("run --rm busybox:latest sh -c 'echo out; echo err >&2; exit 3'",)),
    C("run -i", ("run --rm -i busybox:latest wc -c",), stdin="12345\n"),
    C("run --entrypoint", ("run --rm --entrypoint echo busybox:latest a b",)),
    C("run IMAGE -- ARG (CMD's --)", ("run --rm --entrypoint echo busybox:latest -- a",)),
    C("run -ie=VALUE (a cluster's value)", ("run --rm -ie=A=1 busybox:latest sh -c 'echo $A'",)),
    C("ps -qa=true (a cluster's boolean)", ("ps -qa=true --filter name=pa-stopped",)),
    C("ps -- (nothing after)", ("ps -q --filter name=pa-run --",)),
    C("-- before the command", ("-- ps -q --filter name=pa-run",)),
    C("ps --filter= (none)", ("ps -q --filter= --filter name=pa-run",)),
    C("ps --filter Name= (the key lower-cased)", ("ps -q --filter Name=pa-run",)),
    C("ps --filter name= (an empty value)", ("ps -a -q --filter name= --filter label=pa=1",)),
    C("history -H IMAGE", ("history -H busybox:latest",), "table"),
    C("-h on a command", ("ps -h", "network ls -h", "exec -h"), "none", err=False),
    C("run -a", ("run --rm -a stderr busybox:latest sh -c 'echo out; echo err >&2'",)),
    C("run --network none", ("run --rm --network none busybox:latest ls /sys/class/net",)),
    C("run --name taken", ("run --name pa-run busybox:latest true",)),
    C(
        "run --add-host --dns --hostname",
        (
            "run --rm --hostname hh --add-host foo:10.1.2.3 --dns 10.0.0.53 busybox:latest"
            " sh -c 'hostname; grep foo /etc/hosts; grep nameserver /etc/resolv.conf'",
        ),
    ),
    C(
        "run --tmpfs --ulimit --cap-drop",
        (
            "run --rm --tmpfs /t:size=1m --ulimit nofile=100:200 --cap-drop ALL"
            ' busybox:latest sh -c \'df /t | tail -1 | tr -s " " | cut -d" " -f2; ulimit -n\'',
        ),
    ),
    C("run image missing", ("run --rm 127.0.0.1:9/nothing:here true",)),
    C(
        "stop -t, kill -s",
        (
            "run -d --name pa-{me}-k busybox:latest sleep 300",
            "kill -s SIGUSR1 pa-{me}-k",
            "inspect -f '{{.State.Status}} {{.State.ExitCode}}' pa-{me}-k",
            "run -d --name pa-{me}-s busybox:latest sleep 300",
            "stop -t 0 pa-{me}-s",
            "inspect -f '{{.State.Status}} {{.State.ExitCode}}' pa-{me}-s",
        ),
        cleanup=("rm -f pa-{me}-k pa-{me}-s",),
    ),
    C("exec -e -w -u", ("exec -e A=1 -w /tmp -u 1:2 pa-run sh -c 'echo $A; pwd; id'",)),
    C("exec stopped", ("exec pa-stopped true",)),
    C("run -it, stdin not a TTY", ("run --rm -it busybox:latest true",)),
    C("run missing command", ("run --rm busybox:latest no-such-command",)),
    C("run -e -w -u", ("run --rm -e A=1 -w /tmp -u 1:2 busybox:latest sh -c 'echo $A; pwd; id'",)),
    C(
        "run resources",
        (
            "run --rm --memory 64m --cpus 0.5 --pids-limit 50 --init --privileged"
            " busybox:latest sh -c 'ps -o comm | head -3; ulimit -u'",
        ),
    ),
    C("run -v volume", ("run --rm -v pa-vol:/data busybox:latest ls /data",)),
    C("run --mount", ("run --rm --mount type=volume,src=pa-vol,dst=/d busybox:latest ls /d",)),
    C("run -p", ("run --rm -p 127.0.0.1::80 busybox:latest true",)),
    C(
        "run --restart --read-only",
        (
            "run -d --name pa-{me}-rs --restart on-failure:2 --read-only busybox:latest true",
            "wait pa-{me}-rs",
            "inspect -f '{{.HostConfig.RestartPolicy.Name}}"
            " {{.HostConfig.ReadonlyRootfs}}' pa-{me}-rs",
        ),
        cleanup=("rm -f pa-{me}-rs",),
    ),
    C(
        "create: every flag into HostConfig and Config",
        (
            "create --name pa-{me}-cf -l a=b --stop-signal SIGUSR1 --stop-timeout 3"
            " --shm-size 8m --restart always --memory 64m --memory-swap 128m --cpus 1.5"
            " --cpu-shares 512 --pids-limit 20 --init --privileged --read-only"
            " --health-cmd true --health-interval 5s --log-driver json-file"
            " --log-opt max-size=1m -p 127.0.0.1::90 --expose 91 -v /tmp:/host:ro"
            " --tmpfs /run -e A=1 -w /tmp -u 1:2 --hostname hh --add-host foo:10.1.2.3"
            " --dns 10.0.0.53 --cap-add NET_ADMIN --cap-drop MKNOD --ulimit nofile=100:200"
            " --security-opt no-new-privileges --entrypoint sh --network pa-net"
            " --network-alias al --mount type=volume,src=pa-vol,dst=/v --oom-kill-disable"
            " --sysctl net.ipv4.ip_forward=1 --group-add 5 --cidfile {tmp}/{me}.cid"
            " --domainname dn -it busybox:latest -c true",
            "inspect -f '{{json .HostConfig}}' pa-{me}-cf",
            "inspect -f '{{json .Config}}' pa-{me}-cf",
        ),
        "json=",
        cleanup=("rm -f pa-{me}-cf",),
        note="JSON compared whole ([] and null alike; docker 28 drops the fields its types"
        " no longer have)",
    ),
    C(
        "create: the resource, device and namespace flags",
        (
            "create --name pa-{me}-rf --rm --restart no --runtime runc --userns host"
            " --memory-reservation 10m --memory-swappiness 10 --cpuset-mems 0"
            " --oom-score-adj 100 --blkio-weight 300 --blkio-weight-device /dev/null:200"
            " --device-read-bps /dev/null:1m --device-write-bps /dev/null:2m"
            " --device-read-iops /dev/null:100 --device-write-iops /dev/null:200"
            " --dns-option ndots:2 --cgroupns private --cpu-rt-period 1000 --cpu-rt-runtime 0"
            " --device-cgroup-rule 'c 1:3 mr' --isolation default --volume-driver local"
            " -p 127.0.0.1::92"
            " busybox:latest true",
            "inspect -f '{{json .HostConfig}}' pa-{me}-rf",
        ),
        "json=",
        cleanup=("rm -f pa-{me}-rf",),
        note="JSON compared whole (the sandbox's kernel discards block IO weights: both warn)",
    ),
    C(
        "create --rm (AutoRemove)",
        (
            "create --rm --name pa-{me}-ar busybox:latest true",
            "inspect -f {{.HostConfig.AutoRemove}} pa-{me}-ar",
        ),
        cleanup=("rm -f pa-{me}-ar",),
    ),
    C(
        "create --gpus, no GPU here",
        (
            "create --name pa-{me}-gpu --gpus all busybox:latest true",
            "create --name pa-{me}-gpu2 --gpus '\"device=0,1\",capabilities=utility'"
            " busybox:latest true",
            "inspect -f '{{json .HostConfig.DeviceRequests}}' pa-{me}-gpu pa-{me}-gpu2",
            "run --rm --gpus 1 busybox:latest true",
        ),
        cleanup=("rm -f pa-{me}-gpu pa-{me}-gpu2",),
    ),
    C(
        "create --storage-opt (the daemon's refusal)",
        ("create --storage-opt size=1G busybox:latest",),
    ),
    C(
        "create --ip6 --link-local-ip",
        (
            "create --name pa-{me}-v6c --network pav6 --ip 172.31.0.5 --ip6 fd00:31::5"
            " --link-local-ip 169.254.1.1 --link-local-ip fe80::1 busybox:latest true",
            "inspect -f '{{json .NetworkSettings.Networks.pav6.IPAMConfig}}' pa-{me}-v6c",
        ),
        "json=",
        setup=("network create --ipv6 --subnet 172.31.0.0/24 --subnet fd00:31::/64 pav6",),
        cleanup=("rm -f pa-{me}-v6c", "network rm pav6"),
        note="on one network (created by docker)",
    ),
    C(
        "flags newer than the daemon's API",
        (
            "create --annotation a=b busybox:latest true",
            "run --rm --health-cmd true --health-start-interval 1s busybox:latest true",
        ),
    ),
    C(
        "stop -s, restart -s (API 1.41: no signal sent, as docker)",
        (
            'run -d --name pa-{me}-sig busybox:latest sh -c \'trap "exit 7" TERM;'
            " while :; do sleep 1; done'",
            "stop -s KILL pa-{me}-sig",
            "inspect -f {{.State.ExitCode}} pa-{me}-sig",
            "restart --signal 9 -t 5 pa-{me}-sig",
            "inspect -f {{.State.Running}} pa-{me}-sig",
        ),
        cleanup=("rm -f pa-{me}-sig",),
    ),
    C(
        "logs --details",
        (
            "run --name pa-{me}-det -l pa=x --log-opt labels=pa busybox:latest echo hi",
            "logs --details pa-{me}-det",
            "logs --details -t pa-stopped",
        ),
        cleanup=("rm -f pa-{me}-det",),
    ),
    C(
        "commit -p=false, --pause=false",
        (
            "run -d --name pa-{me}-cp busybox:latest sleep 300",
            "commit -p=false pa-{me}-cp pa-{me}-cp:1",
            "commit --pause=false -m n pa-{me}-cp pa-{me}-cp:2",
            "commit --pause pa-{me}-cp pa-{me}-cp:3",
            "images --format {{.Tag}} pa-{me}-cp",
            "rmi pa-{me}-cp:1 pa-{me}-cp:2 pa-{me}-cp:3",
        ),
        "sorted",
        cleanup=("rm -f pa-{me}-cp",),
    ),
    C(
        "update: block IO, realtime, memory nodes, reservation",
        (
            "run -d --name pa-{me}-up busybox:latest sleep 300",
            "update --blkio-weight 300 --cpuset-mems 0 --memory-reservation 20m"
            " --cpu-rt-period 1000 --cpu-rt-runtime 0 pa-{me}-up",
            "inspect -f '{{.HostConfig.MemoryReservation}} {{.HostConfig.CpusetMems}}"
            " {{.HostConfig.CpuRealtimePeriod}}' pa-{me}-up",
        ),
        cleanup=("rm -f pa-{me}-up",),
    ),
    C("run --pull never", ("run --rm --pull never no-such-image:1 true",)),
    C(
        "run -d, logs",
        ("run -d --name pa-{me}-d busybox:latest echo hi", "wait pa-{me}-d", "logs pa-{me}-d"),
        cleanup=("rm -f pa-{me}-d",),
    ),
    C(
        "create, start -a",
        (
            "create --name pa-{me}-c -e X=1 busybox:latest sh -c 'echo $X; exit 5'",
            "start -a pa-{me}-c",
            "start pa-{me}-c",
            "wait pa-{me}-c",
        ),
        cleanup=("rm -f pa-{me}-c",),
    ),
    C(
        "attach",
        (
            "run -d -i --name pa-{me}-at busybox:latest sh -c 'read x; echo got $x; exit 6'",
            "attach pa-{me}-at",
        ),
        "none",
        stdin="hello\n",
        cleanup=("rm -f pa-{me}-at",),
        note="with piped stdin docker 28 loses the output; nkdocker prints it",
    ),
    C(
        "rename, pause, unpause, restart, update",
        (
            "run -d --name pa-{me}-p busybox:latest sleep 300",
            "rename pa-{me}-p pa-{me}-q",
            "pause pa-{me}-q",
            "inspect -f {{.State.Status}} pa-{me}-q",
            "unpause pa-{me}-q",
            "restart -t 0 pa-{me}-q",
            "update --memory 32m --memory-swap 64m pa-{me}-q",
            "inspect -f {{.HostConfig.Memory}} pa-{me}-q",
            "kill pa-{me}-q",
            "rm pa-{me}-q",
        ),
        cleanup=("rm -f pa-{me}-p pa-{me}-q",),
    ),
    C(
        "cp",
        (
            "cp pa-stopped:/etc/hostname {tmp}/{me}-hostname",
            "cp {tmp}/{me}-hostname pa-stopped:/tmp/pa-{me}-copied",
            "cp pa-stopped:/tmp/pa-{me}-copied {tmp}/{me}-back",
            "cp pa-stopped:/etc {tmp}/{me}-etc",
            "cp pa-stopped:/no-such-file {tmp}/{me}-x",
            "cp {tmp}/no-such-file pa-stopped:/tmp",
        ),
    ),
    C("cp, what was copied", ("diff pa-stopped",), "sorted"),
    C(
        "cp -a, -L, -q",
        (
            "cp -a {tmp}/owned pa-run:/tmp/pa-{me}-owned",
            "cp -L -q {tmp}/link pa-run:/tmp/pa-{me}-followed",
            "cp {tmp}/link pa-run:/tmp/pa-{me}-link",
            "exec pa-run sh -c 'cd /tmp && ls -ln pa-{me}-owned pa-{me}-followed pa-{me}-link'",
            "exec pa-run ln -s /etc/hostname /tmp/pa-{me}-hl",
            "cp -L pa-run:/tmp/pa-{me}-hl {tmp}/{me}-hl",
            "cp -L {tmp}/dangling pa-run:/tmp",
        ),
        cleanup=("exec pa-run sh -c 'rm -f /tmp/pa-{me}-*'",),
        note="owners kept, a link followed (the copy named as the link); no report when"
        " stdout is no terminal",
    ),
    C(
        "cp in a terminal",
        (
            "cp pa-stopped:/etc/hostname {tmp}/{me}-tty",
            "cp -q pa-stopped:/etc/hostname {tmp}/{me}-tty",
            "cp {tmp}/owned pa-run:/tmp/pa-{me}-tty",
        ),
        cleanup=("exec pa-run rm -f /tmp/pa-{me}-tty",),
        tty=True,
        note="the size copied reported, unless -q",
    ),
    C(
        "--detach-keys (no terminal)",
        (
            "run --rm --detach-keys ctrl-x,a busybox:latest echo run",
            "exec --detach-keys ctrl-x pa-run echo exec",
        ),
        note="accepted; the keys are watched with a TTY only (tests/test_cli.py)",
    ),
    C(
        "exec --env-file",
        (
            "exec --env-file {tmp}/env-file -e B=over pa-run sh -c 'echo $A; echo $B; echo $C'",
            "exec --env-file {tmp}/no-such-file pa-run true",
        ),
    ),
    C(
        "commit, tag, history, rmi",
        (
            "run --name pa-{me}-cm busybox:latest sh -c 'echo pa-{me} > /me'",
            "commit -m note pa-{me}-cm pa-{me}-img:1",
            "tag pa-{me}-img:1 pa-{me}-img:2",
            "images --format {{.Repository}}:{{.Tag}} pa-{me}-img",
            "history --format {{.Comment}} pa-{me}-img:1",
            "rmi pa-{me}-img:2 pa-{me}-img:1",
        ),
        cleanup=("rm -f pa-{me}-cm",),
        note="each tool commits its own container (a layer both share is deleted once)",
    ),
    C("history", ("history busybox:latest",), "table"),
    C(
        "history -H=false, CreatedAt",
        ("history -H=false busybox:latest", "history --format '{{.CreatedAt}}' busybox:latest"),
        note="RFC 3339 times",
    ),
    C(
        "wide characters, quoted commands",
        (
            "build -q -t pa-{me}-w:1 {tmp}/ctx-wide",
            "history --format 'table {{.CreatedBy}}\\t{{.Size}}' pa-{me}-w:1",
            "create --name pa-{me}-q busybox:latest echo 'a\"b' 'c\\\\d'",
            "ps -a --filter name=pa-{me}-q --format 'table {{.Command}}\\t{{.Names}}'",
        ),
        cleanup=("rm -f pa-{me}-q", "rmi pa-{me}-w:1"),
        note="columns by display width, commands quoted as Go's %q",
    ),
    C(
        "build",
        (
            "build --no-cache -t pa-{me}-b:1 --label pa-build=pa-{me} --build-arg WHO=pa-{me}"
            " {tmp}/ctx",
            "run --rm pa-{me}-b:1",
            "build -q -t pa-{me}-b:1 --label pa-build=pa-{me} --build-arg WHO=pa-{me} {tmp}/ctx",
        ),
        cleanup=("rmi pa-{me}-b:1", "image prune -f --filter label=pa-build=pa-{me}"),
        note="docker with DOCKER_BUILDKIT=0, its classic builder (its deprecation notice"
        " dropped); the context's size is not compared (our tar holds one more entry)",
    ),
    C(
        "build, resources of RUN",
        (
            "build -q --no-cache -m 64m --memory-swap 128m --shm-size 32m --ulimit nofile=100:200"
            " --add-host pa-host=10.1.2.3 --cgroup-parent pa-parent -c 512 --cpu-period 100000"
            " --cpu-quota 50000 --cpuset-cpus 0 --cpuset-mems 0 --rm=false --force-rm"
            " --iidfile {tmp}/{me}-iid -t pa-{me}-r:1 {tmp}/ctx-limits",
            "run --rm pa-{me}-r:1",
            "build -q --compress --cache-from pa-{me}-r:1 -t pa-{me}-r:2 {tmp}/ctx-limits",
            "ps -a -q --filter ancestor=pa-{me}-r:1",
        ),
        cleanup=("rmi pa-{me}-r:1 pa-{me}-r:2",),
        note="memory, swap, /dev/shm, ulimit, /etc/hosts and the cgroup as RUN saw them;"
        " no intermediate container left",
    ),
    C(
        "build, what the daemon refuses",
        (
            "build --squash {tmp}/ctx",
            "build -q --security-opt seccomp=unconfined {tmp}/ctx",
            "build -q --isolation hyperv {tmp}/ctx",
            "build -q --force-rm -f {tmp}/ctx/Dockerfile.bad {tmp}/ctx",
        ),
        note="--squash refused by the client: the daemon has no experimental features;"
        " -q shows what it held back on stderr when the build fails",
    ),
    C(
        "build - (a Dockerfile on stdin)",
        ("build --no-cache -t pa-{me}-s:1 -", "inspect -f '{{.Config.Labels}}' pa-{me}-s:1"),
        stdin="FROM busybox:latest\nLABEL pa-stdin=1\n",
        cleanup=("rmi pa-{me}-s:1",),
        note="what is no tar is the Dockerfile",
    ),
    C(
        "save, load",
        (
            "tag busybox:latest pa-{me}-save:1",
            "save -o {tmp}/{me}.tar pa-{me}-save:1",
            "rmi pa-{me}-save:1",
            "load -i {tmp}/{me}.tar",
            "rmi pa-{me}-save:1",
        ),
    ),
    C(
        "export, import",
        (
            "run --name pa-{me}-ex busybox:latest sh -c 'echo pa-{me} > /me'",
            "export -o {tmp}/{me}-fs.tar pa-{me}-ex",
            "import {tmp}/{me}-fs.tar pa-{me}-imp:1",
            "run --rm pa-{me}-imp:1 cat /me",
            "rmi pa-{me}-imp:1",
        ),
        cleanup=("rm -f pa-{me}-ex",),
    ),
    C(
        "network",
        (
            "network create --label x=1 pa-{me}-net",
            "network ls -q --filter name=pa-{me}-net",
            "network inspect -f '{{.Name}} {{.Driver}} {{.Internal}}' pa-{me}-net",
            "network connect pa-{me}-net pa-run",
            "network disconnect pa-{me}-net pa-run",
            "network rm pa-{me}-net",
        ),
        cleanup=("network rm pa-{me}-net",),
    ),
    C("network ls", ("network ls --filter name=pa-",), "table"),
    C("network ls --no-trunc", ("network ls --no-trunc -q --filter name=pa-net",)),
    C("network ls --format", ("network ls --format {{.Name}}",), "sorted"),
    C(
        "volume",
        (
            "volume create --label x=1 pa-{me}-vol",
            "volume ls -q --filter name=pa-{me}-vol",
            "volume inspect -f '{{.Name}} {{.Driver}} {{.Labels}}' pa-{me}-vol",
            "volume rm pa-{me}-vol",
            "volume rm pa-{me}-vol",
            "volume rm -f pa-{me}-vol",
        ),
    ),
    C("volume ls", ("volume ls --filter name=pa-",), "table"),
    C(
        "listings --format json keys",
        (
            "images --format '{{json .}}' busybox",
            "volume ls --format '{{json .}}' --filter name=pa-vol",
            "network ls --format '{{json .}}' --filter name=pa-net",
        ),
        "json",
        note="every field docker's rows have",
    ),
    C("inspect --format json", ("volume inspect --format json pa-vol",), note="one line"),
    C(
        "inspect, some missing",
        (
            "volume inspect -f '{{.Name}}' pa-vol nope pa-vol",
            "network inspect -f '{{.Name}}' pa-net nope",
            "volume inspect nope",
        ),
        note="the others shown, exit 1",
    ),
    C(
        "volume ls -q --format",
        (
            "volume ls -q --filter name=pa-",
            "volume ls --format '{{.Name}}:{{.Driver}}' --filter name=pa-",
        ),
    ),
    C(
        "container prune",
        (
            "create --label pa-prune={me} busybox:latest true",
            "container prune -f --filter label=pa-prune={me}",
        ),
    ),
    C("network prune", ("network prune -f --filter label=pa-none",)),
    C("prune prompt, no", ("container prune --filter label=pa-none",)),
    C("prune prompt, yes", ("network prune --filter label=pa-none",), stdin="y\n"),
    C("image prune", ("image prune -f --filter label=pa-none",)),
    C("system df", ("system df", "system df -v"), "table"),
    C("events", ("events --since 0 --until {until} --filter container=pa-stopped",)),
    C(
        "events --format",
        (
            "events --since 0 --until {until} --filter container=pa-stopped --format {{.Action}}",
            "events --since 0 --until {until} --filter container=pa-stopped --format"
            " '{{.ID}} {{.Status}} {{.From}} {{.Scope}} {{.Time}} {{.Actor.ID}} {{json .}}'",
            "events --since 0 --until {until} --filter type=network --filter network=pa-net"
            " --format '{{.Type}} [{{.ID}}] [{{.Status}}] {{.Action}}'",
        ),
        note="docker's field names (a network's event has no ID nor Status)",
    ),
    C("events --since, no time", ("events --since bogus", "events --until 2h30x")),
    C(
        "--format, no such field",
        ("ps -a --format '{{.Nmes}}'", "volume ls --format 'table {{.Name}} {{.Nope}}'"),
        "none",
        err=False,
        note="exit 1; docker names its Go type, nkdocker the fields there are",
    ),
    C("logs --tail, no count", ("logs --tail -1 pa-stopped", "logs --tail abc pa-stopped")),
    C("version -f", ("version -f {{.Server.Version}}",)),
    C("info -f", ("info -f {{.ServerVersion}}",)),
    C("stats --no-stream", ("stats --no-stream pa-run",), "head"),
    C("stats --format", ("stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}' pa-run",)),
    C(
        "stats --format json",
        ("stats --no-stream --format '{{json .}}' pa-run",),
        "json",
        note="docker's fields only (the image and the daemon are monitor's)",
    ),
    C(
        "stats --format, no such field",
        ("stats --no-stream --format '{{.Image}}' pa-run",),
        "none",
        err=False,
        note="exit 1",
    ),
    C(
        "bad template",
        ("ps --format '{{range .}}x{{end}}'",),
        "none",
        err=False,
        note="nkdocker: a clear error for what its subset lacks",
    ),
    C("run -it in a pty", ("run --rm -it busybox:latest sh -c 'tty; exit 3'",), tty=True),
    C("exec -it in a pty", ("exec -it pa-run sh -c 'tty; exit 2'",), tty=True),
)


# -- running and normalising ----------------------------------------------------------


def _env(daemon: sandbox.SandboxInfo, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    # docker reads its config dir (hints, aliases, credentials): a fresh one, not the host's
    env.update(DOCKER_HOST=daemon.unix_url, DOCKER_CONFIG=str(config), DOCKER_CLI_HINTS="false")
    env.update(NO_COLOR="1", TZ="UTC", COLUMNS="200", DOCKER_BUILDKIT="0")
    return env


def _argv(tool: str, step: str, tmp: str, until: str) -> list[str]:
    import shlex

    me = "dk" if tool == "docker" else "nk"
    words = shlex.split(step.replace("{me}", me).replace("{tmp}", tmp).replace("{until}", until))
    return ["docker", *words] if tool == "docker" else [*NK, *words]


def run(tool: str, step: str, env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    """One step with one tool: (exit code, stdout, stderr). nkdocker is forked from a
    process that imported it once (tests/cli_forkserver.py): a process of its own
    without Python's start-up each time."""
    argv = _argv(tool, step, env["PARITY_TMP"], env["PARITY_UNTIL"])
    if tool == "docker":
        done = subprocess.run(argv, input=stdin.encode(), capture_output=True, env=env, timeout=120)
    else:
        done = cli_forkserver.run(argv[len(NK) :], env, stdin.encode(), timeout=120)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def run_tty(tool: str, step: str, env: dict[str, str]) -> tuple[int, str, str]:
    """One step inside a pseudo-terminal: (exit code, the terminal's output, "")."""
    argv = _argv(tool, step, env["PARITY_TMP"], env["PARITY_UNTIL"])
    child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(24, 80), timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0), child.before.decode(), ""


_AGO = re.compile(
    r"(Less than a second|About a minute|About an hour|\d+ (second|minute|hour|day|week|month|"
    r"year)s?) ago"
)
_UP = re.compile(r"(Up|Exited \(\d+\)) (Less than a second|About a minute|About an hour|\d+ \w+)")


def normalise(text: str, tmp: str) -> str:
    """Ids, times, sizes of growing things, tool names and host-dependent warnings out."""
    for me in ("dk", "nk"):  # either tool's objects (a listing shows both)
        text = text.replace(f"pa-{me}", "pa-ME").replace(f"{tmp}/{me}", "TMP/ME")
    text = re.sub(r"sha256:[0-9a-f]{64}", "<digest>", text)
    text = re.sub(r"\b[0-9a-f]{64}\b", "<id>", text)
    text = re.sub(r"\b[0-9a-f]{12}\b", "<id>", text)
    text = _AGO.sub("<ago>", text)
    text = re.sub(r"(Sending build context to Docker daemon)\s+\S+", r"\1 <size>", text)
    text = _UP.sub(r"\1 <time>", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?", "<time>", text)
    text = re.sub(r":(3[2-9]|[4-6]\d)\d{3}->", ":<port>->", text)  # an ephemeral host port
    text = re.sub(r"(?m):(3[2-9]|[4-6]\d)\d{3}$", ":<port>", text)
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("WARNING: ") or "IPv4 forwarding is disabled" in line:
            continue  # the daemon's warnings depend on the host (ip_forward=0)
        if re.match(r"(Run|See) 'docker .*--help'", line):
            continue  # docker's usage hints
        if line.startswith("DEPRECATED: The legacy builder") or line.startswith(" " * 12):
            continue  # docker's notice about its classic builder
        for prefix in ("nkdocker: ", "docker: ", "Error response from daemon: ", "Error: "):
            while line.startswith(prefix):
                line = line[len(prefix) :]
        lines.append(line.rstrip())
    return "\n".join(lines).strip("\n")


def _cells(text: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


def _without_cpu_share(rows: list[list[str]]) -> list[list[str]]:
    if not rows or "C" not in rows[0]:
        return rows
    column = rows[0].index("C")
    return [row[:column] + row[column + 1 :] for row in rows]


def assert_same(case: Case, step: str, results: dict[str, tuple[int, str, str]]) -> None:
    """One step's (exit code, stdout, stderr) from "docker" and "nkdocker", normalised:
    the same exit code, stdout compared as `case` says, stderr unless `case.err` is False."""
    (dk_code, dk_out, dk_err), (nk_code, nk_out, nk_err) = results["docker"], results["nkdocker"]
    context = f"{step!r}\n docker: {results['docker']}\n nkdocker: {results['nkdocker']}"
    assert nk_code == dk_code, context
    try:
        compare(case, dk_out, nk_out)
        if case.err:
            assert nk_err == dk_err
    except AssertionError as failed:
        raise AssertionError(f"{failed}\n{context}") from None


def compare(case: Case, docker_out: str, nk_out: str) -> None:
    """stdout compared as the case says."""
    if case.out == "none":
        return
    if case.out == "json=" and nk_out.startswith(("{", "[")):
        mine = _nulls(json.loads(nk_out))
        for gone in ("KernelMemory", "KernelMemoryTCP"):  # not in docker 28's types
            mine.pop(gone, None)
        assert mine == _nulls(json.loads(docker_out))
        return
    if case.out == "json":
        mine, theirs = (
            [json.loads(line) for line in text.splitlines() if line.strip()]
            if text.lstrip().startswith("{")
            else [json.loads(text)]
            for text in (nk_out, docker_out)
        )
        assert _shape(mine) == _shape(theirs)
        return
    if case.out == "table":
        assert _cells(nk_out) == _cells(docker_out)
    elif case.out == "processes":
        # ps's C column is CPU time over the time the process has lived: a fresh process's
        # share falls between the two tools' calls (1 for docker's, 0 a moment later).
        assert _without_cpu_share(_cells(nk_out)) == _without_cpu_share(_cells(docker_out))
    elif case.out == "head":
        assert _cells(nk_out)[:1] == _cells(docker_out)[:1]
        assert [row[0] for row in _cells(nk_out)] == [row[0] for row in _cells(docker_out)]
    elif case.out == "sorted":
        assert sorted(nk_out.splitlines()) == sorted(docker_out.splitlines())
    else:  # exact (and json= on what is not JSON)
        assert nk_out == docker_out


def _nulls(value: Any) -> Any:
    """[] and null as one (the docker CLI sends empty lists where we send nothing)."""
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items() if v not in ([], None)}
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value


def _shape(value: Any) -> Any:
    """Keys and types, not values (ids, times, counters differ between two runs)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__


# -- the test ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(
    daemon: sandbox.SandboxInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The objects the cases read (pa-run running, pa-stopped exited 3, pa-net,
    pa-vol); the environment both tools run in."""
    config = tmp_path_factory.mktemp("docker-config")
    env = {**_env(daemon, config), "PARITY_TMP": str(tmp_path_factory.mktemp("files"))}
    env["PARITY_UNTIL"] = "0"
    context = Path(env["PARITY_TMP"], "ctx")
    context.mkdir()
    (context / "Dockerfile").write_text(
        'FROM busybox:latest\nARG WHO\nRUN echo "built by $WHO" > /who\nCMD ["cat", "/who"]\n'
    )
    (context / "Dockerfile.bad").write_text("FROM busybox:latest\nRUN echo failing; exit 3\n")
    wide = Path(env["PARITY_TMP"], "ctx-wide")
    wide.mkdir()
    wide_command = 'echo "日本語のテキストとても長いコマンドです"'  # (wider than its length)
    (wide / "Dockerfile").write_text(f"FROM busybox:latest\nRUN {wide_command}\n")
    limits = Path(env["PARITY_TMP"], "ctx-limits")
    limits.mkdir()
    (limits / "Dockerfile").write_text(
        "FROM busybox:latest\nRUN (cat /sys/fs/cgroup/memory.max 2>/dev/null"
        " || cat /sys/fs/cgroup/memory/memory.limit_in_bytes;"
        " cat /sys/fs/cgroup/memory.swap.max 2>/dev/null"
        " || cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes;"
        " df -k /dev/shm | tail -1 | tr -s ' ' | cut -d' ' -f2; ulimit -n;"
        " grep pa-host /etc/hosts; grep -c /pa-parent/ /proc/self/cgroup) > /limits\n"
        'CMD ["cat", "/limits"]\n'
    )
    owned = Path(env["PARITY_TMP"], "owned")  # (cp: a file of another owner, links to it)
    owned.write_text("mine\n")
    os.chown(owned, 1234, 5678)
    Path(env["PARITY_TMP"], "link").symlink_to("owned")
    Path(env["PARITY_TMP"], "dangling").symlink_to("nothing")
    Path(env["PARITY_TMP"], "env-file").write_text("A=1\n# a comment\nB=two words\nC\n")
    docker = nk.connect(daemon.unix_url)
    names = ("pa-run", "pa-stopped")
    for name in names:
        with contextlib.suppress(nk.NotFound):
            docker.rm(name, force=True).get(30)
    for prep in (
        "network rm pa-net",
        "volume rm -f pa-vol",
        "network create pa-net",
        "volume create pa-vol",
        "run -d --name pa-run -p 127.0.0.1::80 -p 127.0.0.1::53/udp -l pa=1"
        " busybox:latest sleep 600",
        "run --name pa-stopped busybox:latest sh -c 'echo one; echo two >&2; echo hi > /hello;"
        " exit 3'",
    ):
        run("docker", prep, env)
    env["PARITY_UNTIL"] = str(int(time.time()) + 1)  # a bounded event history
    yield env
    for name in names:
        docker.rm(name, force=True).get(30)
    run("docker", "network rm pa-net", env)
    run("docker", "volume rm -f pa-vol", env)
    docker.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_same_as_docker(case: Case, world: dict[str, str]) -> None:
    for step in case.cleanup:
        run("docker", step, world), run("nkdocker", step, world)
    try:
        for step in case.setup:
            assert run("docker", step, world)[0] == 0, step
        for step in case.steps:
            results = {}
            for tool in ("docker", "nkdocker"):
                if case.tty:
                    code, out, err = run_tty(tool, step, world)
                else:
                    code, out, err = run(tool, step, world, case.stdin)
                tmp = world["PARITY_TMP"]
                results[tool] = (code, normalise(out, tmp), normalise(err, tmp))
            assert_same(case, step, results)
    finally:
        for step in case.cleanup:
            run("docker", step, world), run("nkdocker", step, world)


# -- usage errors: no daemon needed ----------------------------------------------------

# Command lines docker refuses before it talks to a daemon: its first stderr line (the
# error, "docker" read as "nkdocker") and exit code are ours; `True`: all of stderr too.
USAGE_ERRORS: tuple[tuple[str, bool], ...] = (
    ("ps --bogus", True),  # unknown flag, reported by the command: 125
    ("--bogus ps", True),
    ("network ls --bogus", True),
    ("ps -Z", True),  # unknown shorthand
    ("ps -qZ", True),
    ("ps -Zq", True),
    ("ps ---x", True),
    ("ps --filter", True),  # a flag missing its value
    ("ps -f", True),
    ("kill -s", True),
    ("-H", True),
    ("ps -n abc", True),  # a value its type refuses
    ("ps -nabc", True),
    ("ps --last=", True),
    ("ps -n 99999999999999999999", True),
    ("stop -t 1.5 x", True),
    ("stop --time abc x", True),
    ("run --cpus abc busybox", True),
    ("run -e =x busybox true", True),  # no KEY: docker's ValidateEnv
    ("exec -e =y c true", True),
    ("ps --all=maybe", True),
    ("ps -a=x", True),
    ("run --rm=maybe busybox", True),
    ("ps --filter foo", True),
    ("ps x", True),  # a wrong count of arguments: 1
    ("ps -a -- x", True),
    ("logs", True),
    ("logs a b", True),
    ("rename a b c", True),
    ("port a b c", True),
    ("run", True),
    ("exec x", True),
    ("inspect", False),  # (docker's usage says NAME|ID)
    ("images a b", False),  # (docker's hint line reads "SRun")
    ("container list x", True),  # an alias: docker names the command by its first name
    ("bogus", True),  # an unknown command: 1
    ("network bogus", True),
    ("run --pull bogus busybox", True),
    ("create --blkio-weight abc busybox", True),  # the values of the newer create flags
    ("run --blkio-weight 70000 busybox", True),
    ("create --blkio-weight-device /dev/sda:5 busybox", True),
    ("create --blkio-weight-device sda:300 busybox", True),
    ("create --device-read-bps /dev/sda:1:2 busybox", True),
    ("create --device-write-bps :1 busybox", True),
    ("create --device-read-iops /dev/sda:1m busybox", True),
    ("create --device-write-iops /dev/sda:-1 busybox", True),
    ("create --gpus bogus busybox", True),
    ("create --gpus all,foo=bar busybox", True),
    ("create --gpus count=1,count=2 busybox", True),
    ("create --gpus= busybox", True),
    ("create --memory-reservation abc busybox", True),
    ("create --memory-swappiness abc busybox", True),
    ("run --memory-swappiness 200 busybox", True),
    ("create --oom-score-adj x busybox", True),
    ("create --cpu-rt-period 1.5 busybox", True),
    ("create --storage-opt size busybox", True),
    ("create --cgroupns bogus busybox", True),
    ("run --userns bogus busybox", True),
    ("create --device-cgroup-rule a busybox", True),
    ("create --health-start-interval 5 busybox", True),
    ("create --health-start-interval -1s busybox", True),
    ("update --blkio-weight x c", True),
    ("update --memory-reservation x c", True),
    ("ps --format -x -a x", True),  # (-x is --format's value: the extra x is the error)
    ("tag a b c --bogus", False),  # tag and commit read no flag after their first argument
    ("commit c r x --bogus", False),
    ("run --rm --", True),  # (a `--` ending the words is no argument)
    ("exec -it --", True),
    ("build -m bogus .", False),  # (docker's usage reads "PATH | URL | -")
    ("build --memory-swap -2 .", False),
    ("build --shm-size 1x .", False),
    ("build --ulimit nofile .", False),
    ("build --ulimit bogus=1 .", False),
    ("build --ulimit nofile=5:2 .", False),
    ("build --ulimit nofile=1:2:3 .", False),
    ("build --ulimit nofile=a .", False),
    ("build --add-host bogus .", False),
    ("build --add-host a:bogus .", False),
    ("build -c x .", False),
)


def _dead_socket_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "NKDOCKER_"))}
    env.update(DOCKER_HOST="unix:///nonexistent.sock", DOCKER_CONFIG=str(tmp), NO_COLOR="1")
    env.update(DOCKER_CLI_HINTS="false", DOCKER_BUILDKIT="0")
    return env


def _refusals(line: str, env: dict[str, str]) -> tuple[tuple[int, str], tuple[int, str]]:
    """docker's and nkdocker's (exit code, stderr), docker's named as ours; docker's
    notice about its classic builder left out."""
    import shlex

    words = shlex.split(line)
    docker = subprocess.run(["docker", *words], capture_output=True, env=env, timeout=60)
    mine = cli_forkserver.run(words, env, b"", timeout=60)
    theirs = docker.stderr.decode().replace("docker", "nkdocker")
    if theirs.startswith("DEPRECATED: The legacy builder"):
        theirs = theirs.split("\n\n", 1)[1]
    return (docker.returncode, theirs), (mine.returncode, mine.stderr.decode())


@pytest.mark.parametrize(("line", "whole"), USAGE_ERRORS, ids=[c[0] for c in USAGE_ERRORS])
def test_usage_errors_as_docker_s(line: str, whole: bool, tmp_path: Path) -> None:
    (dk_code, dk_err), (nk_code, nk_err) = _refusals(line, _dead_socket_env(tmp_path))
    assert dk_code in (1, 125) and nk_code == dk_code, (dk_err, nk_err)
    if whole:
        assert nk_err == dk_err
    else:
        assert nk_err.splitlines()[:2] == dk_err.splitlines()[:2]  # (its words, its prefix)
        assert "\nUsage:  nkdocker " in nk_err


# Command lines docker refuses for what they name, before it dials the daemon: its words
# (ours after our "nkdocker: ", as every error of ours) and exit code are ours (with no
# daemon: not "cannot talk to the daemon").
REFUSED_BEFORE_DIALLING = (
    "build /nonexistent-context",
    "build /etc/hostname",
    "pull -a busybox:1",
    "pull -a busybox@sha256:" + "0" * 64,
    "exec --env-file /nonexistent-env-file x true",
    "push busybox@sha256:" + "0" * 64,
    "swarm ca --ca-cert /nonexistent.pem",
    "-l loud ps",
)


@pytest.mark.parametrize("line", REFUSED_BEFORE_DIALLING)
def test_refused_before_dialling_as_docker(line: str, tmp_path: Path) -> None:
    (dk_code, dk_err), (nk_code, nk_err) = _refusals(line, _dead_socket_env(tmp_path))
    assert nk_code == dk_code, (dk_err, nk_err)
    assert nk_err.splitlines()[0].removeprefix("nkdocker: ") == dk_err.splitlines()[0]


@pytest.mark.parametrize("line", ["run busybox true", "create busybox", "ps", "rm x"])
def test_no_daemon_exits_as_docker(line: str, tmp_path: Path) -> None:
    """With no daemon to dial: docker's exit code (run's own failures are 125, the others
    1); the words differ (docker's "Is the docker daemon running?")."""
    (dk_code, dk_err), (nk_code, nk_err) = _refusals(line, _dead_socket_env(tmp_path))
    assert nk_code == dk_code, (dk_err, nk_err)
    assert nk_err.startswith("nkdocker: cannot talk to the daemon: ")


# Where docker's count of arguments is none of argparse's: cobra's own ExactArgs
# (context use), a shell docker takes as a command (completion), secret create's optional
# file (ours is needed), monitor (ours).
_COUNTED_APART = ("context use", "completion", "secret create", "monitor")


def _usage_lines() -> list[str]:
    """For every command and alias: an unknown flag, too few and too many arguments."""
    from nkdocker_actors.cli.parser import build_parser, commands

    lines = []
    for cmd in commands():
        for name in (cmd.name, *cmd.aliases):
            lines.append(f"{name} --bogus")
            if name.startswith(_COUNTED_APART):
                continue
            parser: Any = build_parser(name)
            for word in name.split():
                parser = parser._subcommands().choices[word]
            least, most = parser.argument_counts()
            if least:
                lines.append(name)
            if most is not None:
                lines.append(" ".join([name, *(f"x{i}" for i in range(most + 1))]))
    return lines


def test_every_command_refuses_as_docker_does(tmp_path: Path) -> None:
    """Each command's unknown flag, missing and extra arguments: docker's first line and
    exit code (not the Usage line: docker's names its arguments its own way)."""
    env = _dead_socket_env(tmp_path)
    differ = []
    for line in _usage_lines():
        (dk_code, dk_err), (nk_code, nk_err) = _refusals(line, env)
        if (nk_code, nk_err.split("\n")[0]) != (dk_code, dk_err.split("\n")[0]):
            differ.append((line, dk_code, dk_err.split("\n")[0], nk_code, nk_err.split("\n")[0]))
    assert len(_usage_lines()) > 200 and not differ


# -- the parity table in docs/cli.md ---------------------------------------------------


def parity_table() -> str:
    """The markdown table of CASES, for docs/cli.md."""
    compared = {
        "exact": "exit code, stdout, stderr",
        "table": "exit code, table cells, stderr",
        "processes": "exit code, table cells but the CPU share (C), stderr",
        "sorted": "exit code, stdout lines (any order), stderr",
        "json": "exit code, JSON keys and types, stderr",
        "json=": "exit code, JSON, stderr",
        "head": "exit code, header and first column, stderr",
        "none": "exit code",
    }
    lines = [
        "| case | command lines (`{me}`: dk / nk) | compared |",
        "|---|---|---|",
    ]
    from test_cli_accounts import ACCOUNT_CASES  # the other side-by-side modules' cases
    from test_cli_plugins import PLUGIN_CASES
    from test_cli_swarm import SWARM_CASES

    for case in (*CASES, *ACCOUNT_CASES, *SWARM_CASES, *PLUGIN_CASES):
        steps = "<br>".join(f"`{s.replace('|', '&#124;')}`" for s in case.steps)
        what = compared[case.out]
        if not case.err:
            what = what.replace(", stderr", "")
        if case.tty:
            what += " (in a pty)"
        if case.note:
            what += f"; {case.note}"
        lines.append(f"| {case.name} | {steps} | {what} |")
    return "\n".join(lines) + "\n"


def _docs_with_table(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + parity_table() + text[end:]


def test_docs_parity_table_is_current() -> None:
    text = DOCS.read_text()
    assert text == _docs_with_table(text), "run: python tests/test_cli_parity.py"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    DOCS.write_text(_docs_with_table(DOCS.read_text()))
