"""Create options -> Config / HostConfig / NetworkingConfig: pure unit tests, no daemon."""

from __future__ import annotations

import contextlib
import copy
import ipaddress
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nkdocker_actors.errors import InvalidOption
from nkdocker_actors.options import (
    CONFIG_OPTIONS,
    CREATE_OPTIONS,
    QUERY_OPTIONS,
    UPDATE_OPTIONS,
    ApiVersion,
    config_body,
    create_body,
    parse_bytes,
    parse_duration_ns,
    update_body,
)
from nkdocker_actors.options import body as option_tables

V17: ApiVersion = (1, 17)
V18: ApiVersion = (1, 18)
V41: ApiVersion = (1, 41)
IMAGE = "busybox:latest"


def body(
    config: dict[str, Any] | None = None,
    host: dict[str, Any] | None = None,
    networking: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole expected create body."""
    out: dict[str, Any] = {**(config or {}), "Image": IMAGE, "HostConfig": host or {}}
    if networking is not None:
        out["NetworkingConfig"] = {"EndpointsConfig": networking}
    return out


# (opts, api, expected body). Every option appears at 1.41, and at 1.18 when 1.18 has it.
CASES: list[tuple[dict[str, Any], ApiVersion, dict[str, Any]]] = [
    ({}, V41, body()),
    ({}, V18, body()),
    # name and platform belong to the query string: skipped silently.
    ({"name": "nk1", "platform": "linux/amd64"}, V41, body()),
    # attach / interactive
    (
        {"attach": ["stdin", "stdout"]},
        V41,
        body({"AttachStdin": True, "AttachStdout": True, "AttachStderr": False}),
    ),
    (
        {"attach": ("stderr",)},
        V18,
        body({"AttachStdin": False, "AttachStdout": False, "AttachStderr": True}),
    ),
    (
        {"attach": []},
        V41,
        body({"AttachStdin": False, "AttachStdout": False, "AttachStderr": False}),
    ),
    (
        {"interactive": True},
        V41,
        body(
            {
                "AttachStdin": True,
                "AttachStdout": True,
                "AttachStderr": True,
                "OpenStdin": True,
                "StdinOnce": True,
            }
        ),
    ),
    (
        {"interactive": True, "tty": True},
        V18,
        body(
            {
                "AttachStdin": True,
                "AttachStdout": True,
                "AttachStderr": True,
                "OpenStdin": True,
                "StdinOnce": True,
                "Tty": True,
            }
        ),
    ),
    ({"interactive": False}, V41, body()),
    (
        {"interactive": True, "attach": ["stdout"]},
        V41,
        body(
            {
                "AttachStdin": True,
                "AttachStdout": True,
                "AttachStderr": False,
                "OpenStdin": True,
                "StdinOnce": True,
            }
        ),
    ),
    # add_hosts
    (
        {"add_hosts": [("h1", "1.2.3.4"), ["h2", "::1"]]},
        V41,
        body(host={"ExtraHosts": ["h1:1.2.3.4", "h2:::1"]}),
    ),
    (
        {"add_hosts": {"db.local": ipaddress.ip_address("10.0.0.1")}},
        V18,
        body(host={"ExtraHosts": ["db.local:10.0.0.1"]}),
    ),
    (
        {"add_hosts": [("gw", "host-gateway")]},
        V41,
        body(host={"ExtraHosts": ["gw:host-gateway"]}),
    ),
    # capabilities, cgroups, cidfile
    ({"cap_add": ["NET_ADMIN"]}, V41, body(host={"CapAdd": ["NET_ADMIN"]})),
    ({"cap_add": []}, V18, body(host={"CapAdd": []})),
    ({"cap_drop": ("MKNOD", "ALL")}, V18, body(host={"CapDrop": ["MKNOD", "ALL"]})),
    ({"cgroup_parent": "/mygroup"}, V41, body(host={"CgroupParent": "/mygroup"})),
    ({"cgroup_parent": "mygroup"}, V18, body(host={"CgroupParent": "mygroup"})),
    ({"cidfile": "/tmp/cid"}, V18, body(host={"ContainerIDFile": "/tmp/cid"})),
    # cmds / entrypoints
    ({"cmds": ["/bin/sh", "-c", "echo hi"]}, V41, body({"Cmd": ["/bin/sh", "-c", "echo hi"]})),
    ({"cmds": "/bin/sh"}, V18, body({"Cmd": ["/bin/sh"]})),
    ({"cmds": ("a", "")}, V41, body({"Cmd": ["a", ""]})),
    ({"entrypoints": ["/init", "--"]}, V41, body({"Entrypoint": ["/init", "--"]})),
    ({"entrypoints": "/init"}, V18, body({"Entrypoint": ["/init"]})),
    ({"entrypoints": [""]}, V41, body({"Entrypoint": [""]})),
    # cpu_set / cpu_set_cpus / cpu_shares: Config at 1.17, both at 1.18, HostConfig later
    ({"cpu_set_cpus": "0-1"}, V41, body(host={"CpusetCpus": "0-1"})),
    ({"cpu_set_cpus": "0,1"}, V18, body({"Cpuset": "0,1"}, {"CpusetCpus": "0,1"})),
    ({"cpu_set_cpus": "0,2-3"}, V17, body({"Cpuset": "0,2-3"})),
    ({"cpu_set": "0"}, V41, body(host={"CpusetCpus": "0"})),
    ({"cpu_set": "1", "cpu_set_cpus": "1"}, V18, body({"Cpuset": "1"}, {"CpusetCpus": "1"})),
    ({"cpu_shares": 512}, V41, body(host={"CpuShares": 512})),
    ({"cpu_shares": 512}, V18, body({"CpuShares": 512}, {"CpuShares": 512})),
    ({"cpu_shares": 0}, V17, body({"CpuShares": 0})),
    # devices
    (
        {"devices": ["/dev/fuse", ("/dev/sda", "/dev/xvda"), ["/dev/sdb", "/dev/xvdb", "r"]]},
        V41,
        body(
            host={
                "Devices": [
                    {
                        "PathOnHost": "/dev/fuse",
                        "PathInContainer": "/dev/fuse",
                        "CgroupPermissions": "rwm",
                    },
                    {
                        "PathOnHost": "/dev/sda",
                        "PathInContainer": "/dev/xvda",
                        "CgroupPermissions": "rwm",
                    },
                    {
                        "PathOnHost": "/dev/sdb",
                        "PathInContainer": "/dev/xvdb",
                        "CgroupPermissions": "r",
                    },
                ]
            }
        ),
    ),
    (
        {"devices": [("/dev/a", "/dev/b", "mw")]},
        V18,
        body(
            host={
                "Devices": [
                    {"PathOnHost": "/dev/a", "PathInContainer": "/dev/b", "CgroupPermissions": "mw"}
                ]
            }
        ),
    ),
    # dns, dns_search, domain_name, hostname
    ({"dns": ["8.8.8.8", "2001:db8::1"]}, V41, body(host={"Dns": ["8.8.8.8", "2001:db8::1"]})),
    ({"dns": []}, V18, body(host={"Dns": []})),
    ({"dns_search": ["example.com"]}, V41, body(host={"DnsSearch": ["example.com"]})),
    ({"dns_search": ["."]}, V18, body(host={"DnsSearch": ["."]})),
    ({"domain_name": "example.com"}, V41, body({"Domainname": "example.com"})),
    ({"domain_name": "local"}, V18, body({"Domainname": "local"})),
    ({"hostname": "web-1"}, V41, body({"Hostname": "web-1"})),
    ({"hostname": "a.b.c"}, V18, body({"Hostname": "a.b.c"})),
    # env
    ({"env": {"A": "1", "B": ""}}, V41, body({"Env": ["A=1", "B="]})),
    ({"env": [("A", "x=y"), ["B", "2"]]}, V18, body({"Env": ["A=x=y", "B=2"]})),
    ({"env": ["A=1", "PATH=/bin:/usr/bin"]}, V41, body({"Env": ["A=1", "PATH=/bin:/usr/bin"]})),
    ({"env": []}, V41, body({"Env": []})),
    # expose
    (
        {"expose": [80, (53, "udp"), "8080/tcp", "9000", ["7000", "tcp"]]},
        V41,
        body(
            {
                "ExposedPorts": {
                    "80/tcp": {},
                    "53/udp": {},
                    "8080/tcp": {},
                    "9000/tcp": {},
                    "7000/tcp": {},
                }
            }
        ),
    ),
    ({"expose": [22]}, V18, body({"ExposedPorts": {"22/tcp": {}}})),
    ({"expose": ["132/sctp"]}, V41, body({"ExposedPorts": {"132/sctp": {}}})),
    # labels
    ({"labels": {"a.b": "1", "c": ""}}, V41, body({"Labels": {"a.b": "1", "c": ""}})),
    ({"labels": [("k", "v")]}, V18, body({"Labels": {"k": "v"}})),
    # links
    ({"links": [("redis3", "redis")]}, V41, body(host={"Links": ["redis3:redis"]})),
    ({"links": {"db1": "db"}}, V18, body(host={"Links": ["db1:db"]})),
    # lxc_confs: an object as in the 1.18 doc
    (
        {"lxc_confs": [("lxc.utsname", "docker")]},
        V18,
        body(host={"LxcConf": {"lxc.utsname": "docker"}}),
    ),
    ({"lxc_confs": {"a": "b"}}, (1, 21), body(host={"LxcConf": {"a": "b"}})),
    # log_config
    (
        {"log_config": "json-file"},
        V41,
        body(host={"LogConfig": {"Type": "json-file", "Config": {}}}),
    ),
    (
        {"log_config": ("syslog", {"tag": "x"})},
        V18,
        body(host={"LogConfig": {"Type": "syslog", "Config": {"tag": "x"}}}),
    ),
    # mac_address
    ({"mac_address": "12:34:56:78:9a:bc"}, V41, body({"MacAddress": "12:34:56:78:9a:bc"})),
    ({"mac_address": "AA:BB:CC:DD:EE:FF"}, V18, body({"MacAddress": "AA:BB:CC:DD:EE:FF"})),
    # memory / memory_swap
    ({"memory": "512m"}, V41, body(host={"Memory": 512 * 1024**2})),
    ({"memory": 4 * 1024**2}, V18, body({"Memory": 4 * 1024**2}, {"Memory": 4 * 1024**2})),
    ({"memory": "1g"}, V17, body({"Memory": 1024**3})),
    (
        {"memory": "512m", "memory_swap": -1},
        V41,
        body(host={"Memory": 512 * 1024**2, "MemorySwap": -1}),
    ),
    (
        {"memory": "512m", "memory_swap": "1g"},
        V18,
        body(
            {"Memory": 512 * 1024**2, "MemorySwap": 1024**3},
            {"Memory": 512 * 1024**2, "MemorySwap": 1024**3},
        ),
    ),
    ({"memory_swap": "-1"}, V41, body(host={"MemorySwap": -1})),
    ({"memory_swap": 0}, V41, body(host={"MemorySwap": 0})),
    # net
    ({"net": "none"}, V41, body(host={"NetworkMode": "none"})),
    ({"net": "host"}, V18, body(host={"NetworkMode": "host"})),
    ({"net": "container:other"}, V18, body(host={"NetworkMode": "container:other"})),
    ({"net": "mynet"}, V41, body(host={"NetworkMode": "mynet"})),
    # publish / publish_all
    ({"publish_all": True}, V41, body(host={"PublishAllPorts": True})),
    ({"publish_all": False}, V18, body(host={"PublishAllPorts": False})),
    (
        {"publish": [80, "53/udp", (22, 11022), ((2003, "udp"), 2103, "1.2.3.4")]},
        V41,
        body(
            {"ExposedPorts": {"80/tcp": {}, "53/udp": {}, "22/tcp": {}, "2003/udp": {}}},
            {
                "PortBindings": {
                    "80/tcp": [{"HostIp": "", "HostPort": ""}],
                    "53/udp": [{"HostIp": "", "HostPort": ""}],
                    "22/tcp": [{"HostIp": "", "HostPort": "11022"}],
                    "2003/udp": [{"HostIp": "1.2.3.4", "HostPort": "2103"}],
                }
            },
        ),
    ),
    (
        {"publish": [(22, "11022"), (22, 11023, "::1"), (22, "11022"), (8000, "9000-9010")]},
        V18,
        body(
            {"ExposedPorts": {"22/tcp": {}, "8000/tcp": {}}},
            {
                "PortBindings": {
                    "22/tcp": [
                        {"HostIp": "", "HostPort": "11022"},
                        {"HostIp": "::1", "HostPort": "11023"},
                    ],
                    "8000/tcp": [{"HostIp": "", "HostPort": "9000-9010"}],
                }
            },
        ),
    ),
    (
        {"publish": [(80, None, "127.0.0.1")], "expose": [443]},
        V41,
        body(
            {"ExposedPorts": {"80/tcp": {}, "443/tcp": {}}},
            {"PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}},
        ),
    ),
    # privileged, read_only, security_opts, tty, user
    ({"privileged": True}, V41, body(host={"Privileged": True})),
    ({"privileged": False}, V18, body(host={"Privileged": False})),
    ({"read_only": True}, V41, body(host={"ReadonlyRootfs": True})),
    ({"read_only": True}, V18, body(host={"ReadonlyRootfs": True})),
    (
        {"security_opts": ["label=disable", "no-new-privileges"]},
        V41,
        body(host={"SecurityOpt": ["label=disable", "no-new-privileges"]}),
    ),
    (
        {"security_opts": ["apparmor=unconfined"]},
        V18,
        body(host={"SecurityOpt": ["apparmor=unconfined"]}),
    ),
    ({"tty": True}, V41, body({"Tty": True})),
    ({"tty": False}, V18, body({"Tty": False})),
    ({"user": "nobody"}, V41, body({"User": "nobody"})),
    ({"user": "1000:1000"}, V18, body({"User": "1000:1000"})),
    # restart
    (
        {"restart": "always"},
        V41,
        body(host={"RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}}),
    ),
    ({"restart": "no"}, V18, body(host={"RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}})),
    (
        {"restart": "unless-stopped"},
        V41,
        body(host={"RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0}}),
    ),
    (
        {"restart": ("on_failure", 5)},
        V18,
        body(host={"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5}}),
    ),
    (
        {"restart": ["on-failure", 0]},
        V41,
        body(host={"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 0}}),
    ),
    (
        {"restart": "on-failure"},
        V41,
        body(host={"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 0}}),
    ),
    # ulimits
    (
        {"ulimits": [("nofile", 1024, 2048), ["core", 0, -1]]},
        V41,
        body(
            host={
                "Ulimits": [
                    {"Name": "nofile", "Soft": 1024, "Hard": 2048},
                    {"Name": "core", "Soft": 0, "Hard": -1},
                ]
            }
        ),
    ),
    (
        {"ulimits": [("memlock", -1, -1)]},
        V18,
        body(host={"Ulimits": [{"Name": "memlock", "Soft": -1, "Hard": -1}]}),
    ),
    # volumes / volumes_from
    ({"volumes": ["/data"]}, V41, body({"Volumes": {"/data": {}}})),
    (
        {"volumes": ["/vol1", ("/tmp", "/tmp"), ("/a", "/b", "ro"), ["/c", "/d", True]]},
        V18,
        body({"Volumes": {"/vol1": {}}}, {"Binds": ["/tmp:/tmp", "/a:/b:ro", "/c:/d:ro"]}),
    ),
    (
        {"volumes": [("/a", "/b", "rw"), ("/c", "/d", False), ("myvol", "/data")]},
        V41,
        body(host={"Binds": ["/a:/b:rw", "/c:/d", "myvol:/data"]}),
    ),
    ({"volumes": []}, V41, body({"Volumes": {}})),
    (
        {"volumes_from": ["parent", ("other", "ro"), ["third", "rw"]]},
        V41,
        body(host={"VolumesFrom": ["parent", "other:ro", "third:rw"]}),
    ),
    ({"volumes_from": ["abc123"]}, V18, body(host={"VolumesFrom": ["abc123"]})),
    # workdir / working_dir
    ({"workdir": "/srv"}, V41, body({"WorkingDir": "/srv"})),
    ({"workdir": "/a:b"}, V18, body({"WorkingDir": "/a:b"})),
    ({"working_dir": "/srv"}, V18, body({"WorkingDir": "/srv"})),
    ({"workdir": "/x", "working_dir": "/x"}, V41, body({"WorkingDir": "/x"})),
    # pid_mode / ipc_mode (1.17+ for host)
    ({"pid_mode": "host"}, V18, body(host={"PidMode": "host"})),
    ({"pid_mode": "container:abc"}, V41, body(host={"PidMode": "container:abc"})),
    ({"ipc_mode": "host"}, V18, body(host={"IpcMode": "host"})),
    ({"ipc_mode": "container:db1"}, V18, body(host={"IpcMode": "container:db1"})),
    ({"ipc_mode": "shareable"}, V41, body(host={"IpcMode": "shareable"})),
    ({"ipc_mode": "private"}, V41, body(host={"IpcMode": "private"})),
    ({"ipc_mode": "none"}, V41, body(host={"IpcMode": "none"})),
    # modern options (1.41)
    ({"uts_mode": "host"}, V41, body(host={"UTSMode": "host"})),
    (
        {"mounts": [{"Type": "bind", "Source": "/src", "Target": "/dst", "ReadOnly": True}]},
        V41,
        body(
            host={
                "Mounts": [{"Type": "bind", "Source": "/src", "Target": "/dst", "ReadOnly": True}]
            }
        ),
    ),
    (
        {
            "mounts": [
                "type=volume,source=x,target=/data,readonly",
                "type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1777",
                "src=/h,target=/c,type=bind,bind-propagation=rslave,ro=false",
                "target=/v,volume-driver=local,volume-opt=type=nfs,volume-label=a=b,volume-nocopy",
            ]
        },
        V41,
        body(
            host={
                "Mounts": [
                    {"Type": "volume", "Source": "x", "Target": "/data", "ReadOnly": True},
                    {
                        "Type": "tmpfs",
                        "Target": "/run",
                        "TmpfsOptions": {"SizeBytes": 64 * 1024**2, "Mode": 0o1777},
                    },
                    {
                        "Type": "bind",
                        "Source": "/h",
                        "Target": "/c",
                        "ReadOnly": False,
                        "BindOptions": {"Propagation": "rslave"},
                    },
                    {
                        "Type": "volume",
                        "Target": "/v",
                        "VolumeOptions": {
                            "NoCopy": True,
                            "Labels": {"a": "b"},
                            "DriverConfig": {"Name": "local", "Options": {"type": "nfs"}},
                        },
                    },
                ]
            }
        ),
    ),
    (
        {
            "mounts": [
                {
                    "Type": "volume",
                    "Target": "/v",
                    "Consistency": "cached",
                    "VolumeOptions": {"Labels": {"a": "b"}, "NoCopy": True},
                },
                "type=volume,target=/w,consistency=delegated",
            ]
        },
        V41,
        body(
            host={
                "Mounts": [
                    {
                        "Type": "volume",
                        "Target": "/v",
                        "Consistency": "cached",
                        "VolumeOptions": {"Labels": {"a": "b"}, "NoCopy": True},
                    },
                    {"Type": "volume", "Target": "/w", "Consistency": "delegated"},
                ]
            }
        ),
    ),
    (
        {"mounts": [{"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1024}}]},
        V41,
        body(
            host={
                "Mounts": [{"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1024}}]
            }
        ),
    ),
    (
        {"network": "backend"},
        V41,
        body(host={"NetworkMode": "backend"}, networking={"backend": {}}),
    ),
    (
        {"network": "backend", "aliases": ["api", "web"], "ip_address": "172.20.0.5"},
        V41,
        body(
            host={"NetworkMode": "backend"},
            networking={
                "backend": {
                    "Aliases": ["api", "web"],
                    "IPAMConfig": {"IPv4Address": "172.20.0.5"},
                }
            },
        ),
    ),
    (
        {
            "network": "backend",
            "ip_address": "172.20.0.5",
            "ipv6_address": "2001:db8::5",
            "link_local_ips": ["169.254.1.1", "fe80::1"],
        },
        V41,
        body(
            host={"NetworkMode": "backend"},
            networking={
                "backend": {
                    "IPAMConfig": {
                        "IPv4Address": "172.20.0.5",
                        "IPv6Address": "2001:db8::5",
                        "LinkLocalIPs": ["169.254.1.1", "fe80::1"],
                    }
                }
            },
        ),
    ),
    (
        {"net": "backend", "aliases": ["api"]},
        V41,
        body(host={"NetworkMode": "backend"}, networking={"backend": {"Aliases": ["api"]}}),
    ),
    (
        {"net": "backend", "network": "backend", "ip_address": "2001:db8::5"},
        V41,
        body(
            host={"NetworkMode": "backend"},
            networking={"backend": {"IPAMConfig": {"IPv6Address": "2001:db8::5"}}},
        ),
    ),
    (
        {
            "healthcheck": {
                "test": "curl -f http://localhost/",
                "interval": "30s",
                "timeout": 5,
                "start_period": "1m30s",
                "retries": 3,
            }
        },
        V41,
        body(
            {
                "Healthcheck": {
                    "Test": ["CMD-SHELL", "curl -f http://localhost/"],
                    "Interval": 30 * 10**9,
                    "Timeout": 5 * 10**9,
                    "StartPeriod": 90 * 10**9,
                    "Retries": 3,
                }
            }
        ),
    ),
    (
        {"healthcheck": {"test": ["pg_isready", "-U", "x"], "interval": 0.5}},
        V41,
        body({"Healthcheck": {"Test": ["CMD", "pg_isready", "-U", "x"], "Interval": 5 * 10**8}}),
    ),
    ({"healthcheck": {"test": ["NONE"]}}, V41, body({"Healthcheck": {"Test": ["NONE"]}})),
    (
        {"healthcheck": {"test": ("CMD", "true"), "timeout": "500ms", "interval": 0}},
        V41,
        body({"Healthcheck": {"Test": ["CMD", "true"], "Timeout": 5 * 10**8, "Interval": 0}}),
    ),
    ({"healthcheck": {"retries": 2}}, V41, body({"Healthcheck": {"Retries": 2}})),
    ({"init": True}, V41, body(host={"Init": True})),
    ({"auto_remove": True}, V41, body(host={"AutoRemove": True})),
    ({"stop_signal": "SIGTERM"}, V41, body({"StopSignal": "SIGTERM"})),
    ({"stop_signal": "15"}, V41, body({"StopSignal": "15"})),
    ({"stop_signal": "SIGRTMIN+3"}, V41, body({"StopSignal": "SIGRTMIN+3"})),
    ({"stop_timeout": 30}, V41, body({"StopTimeout": 30})),
    ({"cpus": 1.5}, V41, body(host={"NanoCpus": 1_500_000_000})),
    ({"cpus": 2}, V41, body(host={"NanoCpus": 2_000_000_000})),
    ({"cpus": 0.1}, V41, body(host={"NanoCpus": 100_000_000})),
    (
        {"cpu_period": 100000, "cpu_quota": 50000},
        V41,
        body(host={"CpuPeriod": 100000, "CpuQuota": 50000}),
    ),
    ({"cpu_quota": -1}, V41, body(host={"CpuQuota": -1})),
    ({"shm_size": "64m"}, V41, body(host={"ShmSize": 64 * 1024**2})),
    ({"shm_size": 1 << 20}, V41, body(host={"ShmSize": 1 << 20})),
    (
        {"tmpfs": {"/run": "rw,noexec,nosuid,size=65536k", "/tmp": ""}},
        V41,
        body(host={"Tmpfs": {"/run": "rw,noexec,nosuid,size=65536k", "/tmp": ""}}),
    ),
    (
        {"tmpfs": ["/run", "/tmp:size=1m"]},
        V41,
        body(host={"Tmpfs": {"/run": "", "/tmp": "size=1m"}}),
    ),
    (
        {"sysctls": {"net.ipv4.ip_forward": "1"}},
        V41,
        body(host={"Sysctls": {"net.ipv4.ip_forward": "1"}}),
    ),
    ({"group_add": ["audio", "1000"]}, V41, body(host={"GroupAdd": ["audio", "1000"]})),
    ({"oom_kill_disable": True}, V41, body(host={"OomKillDisable": True})),
    ({"pids_limit": 100}, V41, body(host={"PidsLimit": 100})),
    ({"pids_limit": -1}, V41, body(host={"PidsLimit": -1})),
]


# -- options of the newer API (1.19 to 1.56), and value shapes accepted since issue 10 ------

V44: ApiVersion = (1, 44)
V56: ApiVersion = (1, 56)
GPU = {"Driver": "nvidia", "Count": -1, "Capabilities": [["gpu"]], "Options": {"a": "b"}}

CASES += [
    ({"annotations": {"io.x": "1"}}, V56, body(host={"Annotations": {"io.x": "1"}})),
    ({"blkio_weight": 300}, V41, body(host={"BlkioWeight": 300})),
    (
        {"blkio_weight_device": {"/dev/sda": 200}},
        V41,
        body(host={"BlkioWeightDevice": [{"Path": "/dev/sda", "Weight": 200}]}),
    ),
    (
        {"blkio_device_read_bps": [("/dev/sda", "1m")]},
        V41,
        body(host={"BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1024**2}]}),
    ),
    (
        {"blkio_device_write_bps": {"/dev/sda": 4096}},
        V41,
        body(host={"BlkioDeviceWriteBps": [{"Path": "/dev/sda", "Rate": 4096}]}),
    ),
    (
        {"blkio_device_read_iops": [("/dev/sda", 100)]},
        V41,
        body(host={"BlkioDeviceReadIOps": [{"Path": "/dev/sda", "Rate": 100}]}),
    ),
    (
        {"blkio_device_write_iops": [("/dev/sda", 50)]},
        V41,
        body(host={"BlkioDeviceWriteIOps": [{"Path": "/dev/sda", "Rate": 50}]}),
    ),
    ({"cgroup": "container:x1"}, V41, body(host={"Cgroup": "container:x1"})),
    ({"cgroupns_mode": "private"}, V41, body(host={"CgroupnsMode": "private"})),
    ({"console_size": (24, 80)}, V44, body(host={"ConsoleSize": [24, 80]})),
    ({"cpu_count": 2, "cpu_percent": 50}, V41, body(host={"CpuCount": 2, "CpuPercent": 50})),
    (
        {"cpu_realtime_period": 1000000, "cpu_realtime_runtime": 950000},
        V41,
        body(host={"CpuRealtimePeriod": 1000000, "CpuRealtimeRuntime": 950000}),
    ),
    ({"cpuset_mems": "0-1"}, V41, body(host={"CpusetMems": "0-1"})),
    (
        {"device_cgroup_rules": ["c 1:3 mr", "b *:* rwm", "a"]},
        V41,
        body(host={"DeviceCgroupRules": ["c 1:3 mr", "b *:* rwm", "a"]}),
    ),
    ({"device_requests": [GPU]}, V41, body(host={"DeviceRequests": [GPU]})),
    (
        {"io_maximum_bandwidth": "10m", "io_maximum_iops": 100},
        V41,
        body(host={"IOMaximumBandwidth": 10 * 1024**2, "IOMaximumIOps": 100}),
    ),
    ({"isolation": "process"}, V41, body(host={"Isolation": "process"})),
    (
        {"masked_paths": ["/proc/kcore"], "readonly_paths": ["/proc/sys"]},
        V41,
        body(host={"MaskedPaths": ["/proc/kcore"], "ReadonlyPaths": ["/proc/sys"]}),
    ),
    (
        {"memory_reservation": "64m", "memory_swappiness": 0},
        V41,
        body(host={"MemoryReservation": 64 * 1024**2, "MemorySwappiness": 0}),
    ),
    ({"oom_score_adj": -500}, V41, body(host={"OomScoreAdj": -500})),
    ({"runtime": "runc"}, V41, body(host={"Runtime": "runc"})),
    ({"storage_opt": {"size": "10G"}}, V41, body(host={"StorageOpt": {"size": "10G"}})),
    ({"userns_mode": "host"}, V41, body(host={"UsernsMode": "host"})),
    ({"volume_driver": "local"}, V41, body(host={"VolumeDriver": "local"})),
    ({"network_disabled": True}, V41, body({"NetworkDisabled": True})),
    ({"on_build": ["RUN true"]}, V41, body({"OnBuild": ["RUN true"]})),
    ({"shell": ["/bin/sh", "-c"]}, V41, body({"Shell": ["/bin/sh", "-c"]})),
    ({"args_escaped": False}, V41, body({"ArgsEscaped": False})),
    (
        {"networks": ["n1", "n2"]},
        V44,
        body(host={"NetworkMode": "n1"}, networking={"n1": {}, "n2": {}}),
    ),
    (
        {
            "networks": {
                "n1": {
                    "aliases": ["web"],
                    "ipv4_address": "10.1.0.5",
                    "ipv6_address": "fd00::5",
                    "mac_address": "02:42:ac:11:00:02",
                    "driver_opts": {"com.docker.network.endpoint.sysctls": "x=1"},
                    "gw_priority": 10,
                    "links": [("db1", "db")],
                },
                "bridge": None,
            }
        },
        V56,
        body(
            host={"NetworkMode": "n1"},
            networking={
                "n1": {
                    "Aliases": ["web"],
                    "IPAMConfig": {"IPv4Address": "10.1.0.5", "IPv6Address": "fd00::5"},
                    "MacAddress": "02:42:ac:11:00:02",
                    "DriverOpts": {"com.docker.network.endpoint.sysctls": "x=1"},
                    "GwPriority": 10,
                    "Links": ["db1:db"],
                },
                "bridge": {},
            },
        ),
    ),
    # One network with an endpoint works before 1.44 too.
    (
        {"networks": {"n1": {"ip_address": "10.1.0.5"}}},
        V41,
        body(host={"NetworkMode": "n1"}, networking={"n1": {"IPAMConfig": {"IPv4Address": "10.1.0.5"}}}),  # noqa: E501
    ),
    (
        {
            "memory": "64m",
            "extra": {
                "HostConfig": {"CgroupnsMode": "host", "FutureField": {"A": [1, 2.5, None]}},
                "NetworkingConfig": {"EndpointsConfig": {"n9": {"FutureEndpoint": True}}},
                "FutureConfig": "x",
            },
        },
        V56,
        body(
            {"FutureConfig": "x"},
            host={
                "Memory": 64 * 1024**2,
                "CgroupnsMode": "host",
                "FutureField": {"A": [1, 2.5, None]},
            },
            networking={"n9": {"FutureEndpoint": True}},
        ),
    ),
    (
        {"on_build": "RUN x", "network_disabled": False, "extra": {"Domainname": "x.y"}},
        V18,
        body({"OnBuild": ["RUN x"], "NetworkDisabled": False, "Domainname": "x.y"}),
    ),
    ({"dns_options": ["ndots:2", "rotate"]}, V41, body(host={"DnsOptions": ["ndots:2", "rotate"]})),
    (
        {"open_stdin": True, "stdin_once": False, "attach": []},
        V18,
        body({"AttachStdin": False, "AttachStdout": False, "AttachStderr": False, "OpenStdin": True, "StdinOnce": False}),  # noqa: E501
    ),
    # Value shapes NkDOCKER or the common Python client accept (issue 10).
    ({"env": ["UNSET_ME", "A=1"]}, V41, body({"Env": ["UNSET_ME", "A=1"]})),
    ({"user": 1000}, V41, body({"User": "1000"})),
    ({"user": (1000, 100)}, V41, body({"User": "1000:100"})),
    ({"group_add": [1000, "audio"]}, V41, body(host={"GroupAdd": ["1000", "audio"]})),
    (
        {"log_config": ("", {"max-size": "1m"})},
        V41,
        body(host={"LogConfig": {"Type": "", "Config": {"max-size": "1m"}}}),
    ),
    (
        {"publish": [(2001, "udp"), (2002, "sctp")]},
        V41,
        body(
            {"ExposedPorts": {"2001/udp": {}, "2002/sctp": {}}},
            host={
                "PortBindings": {
                    "2001/udp": [{"HostIp": "", "HostPort": ""}],
                    "2002/sctp": [{"HostIp": "", "HostPort": ""}],
                }
            },
        ),
    ),
    ({"network": "my net"}, V41, body(host={"NetworkMode": "my net"}, networking={"my net": {}})),
    (
        {"healthcheck": {"test": "true", "start_interval": "2s"}},
        V44,
        body({"Healthcheck": {"Test": ["CMD-SHELL", "true"], "StartInterval": 2 * 10**9}}),
    ),
    (
        {
            "mounts": [
                "type=volume,source=data,target=/d,volume-subpath=sub/dir",
                {"Type": "image", "Source": "busybox", "Target": "/i", "ImageOptions": {"Subpath": "bin"}},  # noqa: E501
                {"Type": "bind", "Source": "/s", "Target": "/b", "BindOptions": {"CreateMountpoint": True, "ReadOnlyNonRecursive": True}},  # noqa: E501
                {"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"Options": [["noexec"]]}},
            ]
        },
        V56,
        body(
            host={
                "Mounts": [
                    {"Type": "volume", "Source": "data", "Target": "/d", "VolumeOptions": {"Subpath": "sub/dir"}},  # noqa: E501
                    {"Type": "image", "Source": "busybox", "Target": "/i", "ImageOptions": {"Subpath": "bin"}},  # noqa: E501
                    {"Type": "bind", "Source": "/s", "Target": "/b", "BindOptions": {"CreateMountpoint": True, "ReadOnlyNonRecursive": True}},  # noqa: E501
                    {"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"Options": [["noexec"]]}},
                ]
            }
        ),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("opts", "api", "expected"), CASES)
def test_create_body(opts: dict[str, Any], api: ApiVersion, expected: dict[str, Any]) -> None:
    before = copy.deepcopy(opts)
    got = create_body(IMAGE, opts, api)
    assert got == expected
    assert json.loads(json.dumps(got)) == got  # JSON types only: no tuples, no objects
    assert opts == before  # the caller's options are not touched


def test_every_option_has_a_case() -> None:
    covered = {name for opts, _, _ in CASES for name in opts}
    assert covered == CREATE_OPTIONS


def test_cases_cover_both_versions() -> None:
    at_18 = {name for opts, api, _ in CASES if api == V18 for name in opts}
    newer = {name for name, _ in TOO_OLD_AT_18} | {"network", "aliases", "ip_address"}
    newer |= {name for name, since in option_tables._SINCE.items() if since > V18}
    assert at_18 >= CREATE_OPTIONS - QUERY_OPTIONS - newer


def test_all_options_together_at_1_18() -> None:
    """NkDOCKER's own spec test, adapted (absolute paths, valid MAC, real IPs)."""
    opts = {
        "attach": ["stdin", "stdout"],
        "add_hosts": [("host1", "1.2.3.4"), ("host2", "5.6.7.8")],
        "cap_add": ["cap1", "cap2"],
        "cap_drop": ["drop1", "drop2"],
        "cgroup_parent": "path",
        "cidfile": "mycidfile",
        "cmds": ["cmd1"],
        "cpu_set_cpus": "2,3",
        "cpu_shares": 500,
        "devices": ["/p1", ("/p2", "/p3"), ("/p4", "/p5", "rw")],
        "dns": ["8.8.8.8"],
        "dns_search": ["dns3"],
        "domain_name": "domain",
        "env": [("env1", "val1"), ("env2", "val2")],
        "entrypoints": ["a", "b"],
        "expose": [1000, (1001, "tcp"), (1002, "udp")],
        "hostname": "hostname1",
        "interactive": True,
        "labels": [("lk", "lv")],
        "links": [("link1", "value1")],
        "lxc_confs": [("lx1", "lv1")],
        "log_config": "none",
        "mac_address": "01:02:03:04:05:06",
        "memory": 1000,
        "memory_swap": -1,
        "net": "none",
        "publish_all": True,
        "publish": [2000, "2001/udp", (2002, 2102), ((2003, "udp"), 2103, "1.2.3.4")],
        "privileged": True,
        "read_only": True,
        "restart": ("on_failure", 5),
        "security_opts": ["s1", "s2"],
        "tty": True,
        "ulimits": [("nofile", 1, 2)],
        "user": "user",
        "volumes": ["/vol1", ("/vol2", "/vol3"), ("/vol4", "/vol5", "ro")],
        "volumes_from": ["from1", ("from2", "ro")],
        "workdir": "/work",
    }
    got = create_body(IMAGE, opts, V18)
    host = got.pop("HostConfig")
    assert got == {
        "AttachStdin": True,
        "AttachStdout": True,
        "AttachStderr": False,
        "OpenStdin": True,
        "StdinOnce": True,
        "Cmd": ["cmd1"],
        "Cpuset": "2,3",
        "CpuShares": 500,
        "Domainname": "domain",
        "Env": ["env1=val1", "env2=val2"],
        "Entrypoint": ["a", "b"],
        "ExposedPorts": {
            "1000/tcp": {},
            "1001/tcp": {},
            "1002/udp": {},
            "2000/tcp": {},
            "2001/udp": {},
            "2002/tcp": {},
            "2003/udp": {},
        },
        "Hostname": "hostname1",
        "Image": IMAGE,
        "Labels": {"lk": "lv"},
        "MacAddress": "01:02:03:04:05:06",
        "Memory": 1000,
        "MemorySwap": -1,
        "Tty": True,
        "User": "user",
        "Volumes": {"/vol1": {}},
        "WorkingDir": "/work",
    }
    assert host == {
        "Binds": ["/vol2:/vol3", "/vol4:/vol5:ro"],
        "CapAdd": ["cap1", "cap2"],
        "CapDrop": ["drop1", "drop2"],
        "CpusetCpus": "2,3",
        "CpuShares": 500,
        "CgroupParent": "path",
        "ContainerIDFile": "mycidfile",
        "Devices": [
            {"PathOnHost": "/p1", "PathInContainer": "/p1", "CgroupPermissions": "rwm"},
            {"PathOnHost": "/p2", "PathInContainer": "/p3", "CgroupPermissions": "rwm"},
            {"PathOnHost": "/p4", "PathInContainer": "/p5", "CgroupPermissions": "rw"},
        ],
        "Dns": ["8.8.8.8"],
        "DnsSearch": ["dns3"],
        "ExtraHosts": ["host1:1.2.3.4", "host2:5.6.7.8"],
        "Links": ["link1:value1"],
        "LxcConf": {"lx1": "lv1"},
        "LogConfig": {"Type": "none", "Config": {}},
        "Memory": 1000,
        "MemorySwap": -1,
        "NetworkMode": "none",
        "PortBindings": {
            "2000/tcp": [{"HostIp": "", "HostPort": ""}],
            "2001/udp": [{"HostIp": "", "HostPort": ""}],
            "2002/tcp": [{"HostIp": "", "HostPort": "2102"}],
            "2003/udp": [{"HostIp": "1.2.3.4", "HostPort": "2103"}],
        },
        "Privileged": True,
        "PublishAllPorts": True,
        "ReadonlyRootfs": True,
        "RestartPolicy": {"MaximumRetryCount": 5, "Name": "on-failure"},
        "SecurityOpt": ["s1", "s2"],
        "Ulimits": [{"Hard": 2, "Name": "nofile", "Soft": 1}],
        "VolumesFrom": ["from1", "from2:ro"],
    }


def test_no_deprecated_config_fields_at_1_41() -> None:
    got = create_body(
        IMAGE, {"memory": "1g", "memory_swap": "2g", "cpu_shares": 2, "cpu_set": "0"}, V41
    )
    assert not {"Memory", "MemorySwap", "CpuShares", "Cpuset"} & set(got)
    assert got["HostConfig"] == {
        "Memory": 1024**3,
        "MemorySwap": 2 * 1024**3,
        "CpuShares": 2,
        "CpusetCpus": "0",
    }


def test_mount_dicts_are_copied() -> None:
    mount = {"Type": "volume", "Target": "/d", "VolumeOptions": {"Labels": {"a": "b"}}}
    got = create_body(IMAGE, {"mounts": [mount]}, V41)
    got["HostConfig"]["Mounts"][0]["VolumeOptions"]["Labels"]["a"] = "changed"
    assert mount["VolumeOptions"] == {"Labels": {"a": "b"}}


# ----------------------------------------------------------------------------- bad values

# (opts, the option the message must name, a text the message must show)
BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"attach": "stdin"}, "attach", "'stdin'"),
    ({"attach": ["stdin", "bogus"]}, "attach", "'bogus'"),
    ({"attach": [1]}, "attach", "1"),
    ({"add_hosts": [("h", "999.1.1.1")]}, "add_hosts", "999.1.1.1"),
    ({"add_hosts": ["h:1.2.3.4"]}, "add_hosts", "'h:1.2.3.4'"),
    ({"add_hosts": [("bad host", "1.2.3.4")]}, "add_hosts", "bad host"),
    ({"add_hosts": "h:1.2.3.4"}, "add_hosts", "'h:1.2.3.4'"),
    ({"add_hosts": [("h", 5)]}, "add_hosts", "('h', 5)"),
    ({"cap_add": "NET_ADMIN"}, "cap_add", "'NET_ADMIN'"),
    ({"cap_add": ["has space"]}, "cap_add", "'has space'"),
    ({"cap_drop": [""]}, "cap_drop", "''"),
    ({"cap_drop": [1]}, "cap_drop", "1"),
    ({"cgroup_parent": 1}, "cgroup_parent", "1"),
    ({"cgroup_parent": ""}, "cgroup_parent", "''"),
    ({"cidfile": None}, "cidfile", "None"),
    ({"cmds": 1}, "cmds", "1"),
    ({"cmds": ["a", None]}, "cmds", "None"),
    ({"cmds": None}, "cmds", "None"),
    ({"cmds": ["a\x00b"]}, "cmds", "a\\x00b"),
    ({"cpu_set_cpus": "a"}, "cpu_set_cpus", "'a'"),
    ({"cpu_set_cpus": 1}, "cpu_set_cpus", "1"),
    ({"cpu_set_cpus": "0-"}, "cpu_set_cpus", "'0-'"),
    ({"cpu_set": "0,,1"}, "cpu_set", "'0,,1'"),
    ({"cpu_set": "0", "cpu_set_cpus": "1"}, "cpu_set", "'0' vs '1'"),
    ({"cpu_shares": True}, "cpu_shares", "True"),
    ({"cpu_shares": -1}, "cpu_shares", "-1"),
    ({"cpu_shares": "512"}, "cpu_shares", "'512'"),
    ({"cpu_shares": 1.5}, "cpu_shares", "1.5"),
    ({"cpu_shares": 2**63}, "cpu_shares", str(2**63)),
    ({"devices": ["dev/sda"]}, "devices", "'dev/sda'"),
    ({"devices": [("/a", "/b", "x")]}, "devices", "'x'"),
    ({"devices": [("/a", "/b", "rr")]}, "devices", "'rr'"),
    ({"devices": [("/a", "/b", "")]}, "devices", "''"),
    ({"devices": [("/a",)]}, "devices", "('/a',)"),
    ({"devices": "/dev/sda"}, "devices", "'/dev/sda'"),
    ({"dns": ["8.8.8"]}, "dns", "'8.8.8'"),
    ({"dns": "8.8.8.8"}, "dns", "'8.8.8.8'"),
    ({"dns_search": [""]}, "dns_search", "''"),
    ({"domain_name": 5}, "domain_name", "5"),
    ({"env": {"A": 1}}, "env", "1"),
    ({"env": {"": "x"}}, "env", "''"),
    ({"env": {"A=B": "x"}}, "env", "'A=B'"),
    ({"env": {1: "x"}}, "env", "1"),
    ({"env": ["=value"]}, "env", "''"),
    ({"env": [("a",)]}, "env", "('a',)"),
    ({"env": "A=B"}, "env", "'A=B'"),
    ({"entrypoints": 5}, "entrypoints", "5"),
    ({"expose": [0]}, "expose", "0"),
    ({"expose": [65536]}, "expose", "65536"),
    ({"expose": ["80/xyz"]}, "expose", "'80/xyz'"),
    ({"expose": [(80, "icmp")]}, "expose", "(80, 'icmp')"),
    ({"expose": [True]}, "expose", "True"),
    ({"expose": ["80/udp/tcp"]}, "expose", "'80/udp/tcp'"),
    ({"expose": [("80/udp", "tcp")]}, "expose", "('80/udp', 'tcp')"),
    ({"expose": ["\uff18\uff10"]}, "expose", "'\uff18\uff10'"),  # fullwidth digits: no port
    ({"expose": 80}, "expose", "80"),
    ({"hostname": "-bad"}, "hostname", "'-bad'"),
    ({"hostname": "a b"}, "hostname", "'a b'"),
    ({"hostname": ""}, "hostname", "''"),
    ({"hostname": 1}, "hostname", "1"),
    ({"interactive": 1}, "interactive", "1"),
    ({"interactive": "yes"}, "interactive", "'yes'"),
    ({"labels": {"k": 1}}, "labels", "1"),
    ({"labels": [("k",)]}, "labels", "('k',)"),
    ({"labels": {"": "v"}}, "labels", "''"),
    ({"labels": "k=v"}, "labels", "'k=v'"),
    ({"links": ["name"]}, "links", "'name'"),
    ({"links": [("a", "b:c")]}, "links", "('a', 'b:c')"),
    ({"links": [("a", "b")]}, "links", "('a', 'b')"),  # one-letter container names do not exist
    ({"lxc_confs": [("k", 1)]}, "lxc_confs", "1"),
    ({"log_config": 1}, "log_config", "1"),
    ({"log_config": ("json-file", "x")}, "log_config", "('json-file', 'x')"),
    ({"log_config": ("json-file", {"k": 1})}, "log_config", "1"),
    ({"mac_address": "1:2:3:4:5:6"}, "mac_address", "'1:2:3:4:5:6'"),
    ({"mac_address": "aa:bb:cc:dd:ee"}, "mac_address", "'aa:bb:cc:dd:ee'"),
    ({"memory": -1}, "memory", "-1"),
    ({"memory": "1x"}, "memory", "'1x'"),
    ({"memory": 1.5}, "memory", "1.5"),
    ({"memory": True}, "memory", "True"),
    ({"memory": "-5m"}, "memory", "'-5m'"),
    ({"memory": "1m", "memory_swap": "1k"}, "memory_swap", "'1k'"),
    ({"memory_swap": 1000}, "memory_swap", "1000"),
    ({"memory_swap": -2}, "memory_swap", "-2"),
    ({"memory_swap": -1.0}, "memory_swap", "-1.0"),
    ({"net": "container:"}, "net", "'container:'"),
    ({"net": "a b"}, "net", "'a b'"),
    ({"net": 1}, "net", "1"),
    ({"net": ""}, "net", "''"),
    ({"network": "container:abc"}, "network", "'container:abc'"),
    ({"net": "a1", "network": "b1"}, "net", "'a1' vs 'b1'"),
    ({"publish_all": 1}, "publish_all", "1"),
    ({"publish": ["abc"]}, "publish", "'abc'"),
    ({"publish": [(80, 0)]}, "publish", "(80, 0)"),
    ({"publish": [(80, 8080, "bad-ip")]}, "publish", "(80, 8080, 'bad-ip')"),
    ({"publish": [(80, 8080, "1.2.3.4", 4)]}, "publish", "(80, 8080, '1.2.3.4', 4)"),
    ({"publish": [(80, "9000-8000")]}, "publish", "(80, '9000-8000')"),
    ({"publish": [(80, 70000)]}, "publish", "(80, 70000)"),
    ({"publish": 80}, "publish", "80"),
    ({"publish": [(80, 1.5)]}, "publish", "(80, 1.5)"),
    ({"privileged": "true"}, "privileged", "'true'"),
    ({"read_only": None}, "read_only", "None"),
    ({"restart": "sometimes"}, "restart", "'sometimes'"),
    ({"restart": ("on-failure", -1)}, "restart", "('on-failure', -1)"),
    ({"restart": ("always", 3)}, "restart", "('always', 3)"),
    ({"restart": ("on-failure", True)}, "restart", "('on-failure', True)"),
    ({"restart": 1}, "restart", "1"),
    ({"security_opts": "x"}, "security_opts", "'x'"),
    ({"tty": 0}, "tty", "0"),
    ({"ulimits": [("nofile", 2, 1)]}, "ulimits", "('nofile', 2, 1)"),
    ({"ulimits": [("bogus", 1, 2)]}, "ulimits", "('bogus', 1, 2)"),
    ({"ulimits": [("nofile", 1)]}, "ulimits", "('nofile', 1)"),
    ({"ulimits": [("nofile", "1", 2)]}, "ulimits", "('nofile', '1', 2)"),
    ({"ulimits": [("nofile", -1, 5)]}, "ulimits", "('nofile', -1, 5)"),
    ({"ulimits": [("nofile", -2, -2)]}, "ulimits", "('nofile', -2, -2)"),
    ({"volumes": ["relative"]}, "volumes", "'relative'"),
    ({"volumes": ["/"]}, "volumes", "'/'"),
    ({"volumes": [("/h", "rel")]}, "volumes", "('/h', 'rel')"),
    ({"volumes": [("/h", "/c", "rx")]}, "volumes", "('/h', '/c', 'rx')"),
    ({"volumes": [("/h", "/c", 1)]}, "volumes", "('/h', '/c', 1)"),
    ({"volumes": [("a", "/c")]}, "volumes", "('a', '/c')"),
    ({"volumes": [("/h:x", "/c")]}, "volumes", "('/h:x', '/c')"),
    ({"volumes": [("no/slash/start", "/c")]}, "volumes", "('no/slash/start', '/c')"),
    ({"volumes": "/data"}, "volumes", "'/data'"),
    ({"volumes": [("/data",)]}, "volumes", "('/data',)"),
    ({"volumes": [5]}, "volumes", "5"),
    ({"volumes_from": [("c1", "rx")]}, "volumes_from", "('c1', 'rx')"),
    ({"volumes_from": [""]}, "volumes_from", "''"),
    ({"volumes_from": [("c1", True)]}, "volumes_from", "('c1', True)"),
    ({"volumes_from": ["c1:ro"]}, "volumes_from", "'c1:ro'"),
    ({"workdir": "rel"}, "workdir", "'rel'"),
    ({"working_dir": 1}, "working_dir", "1"),
    ({"workdir": "/a", "working_dir": "/b"}, "workdir", "'/a' vs '/b'"),
    ({"mounts": [{"Type": "bind", "Target": "/x"}]}, "mounts", "'Target': '/x'"),
    ({"mounts": [{"Type": "nfs", "Target": "/x"}]}, "mounts", "'nfs'"),
    ({"mounts": [{"Type": "volume"}]}, "mounts", "None"),
    ({"mounts": [{"Type": "volume", "Target": "/x", "Bogus": 1}]}, "mounts", "'Bogus'"),
    ({"mounts": [{"Type": "tmpfs", "Target": "/x", "Source": "s"}]}, "mounts", "'Source': 's'"),
    (
        {"mounts": [{"Type": "volume", "Target": "/x", "BindOptions": {}}]},
        "mounts",
        "'BindOptions'",
    ),
    ({"mounts": [{"Type": "volume", "Target": "/x", "ReadOnly": "yes"}]}, "mounts", "'yes'"),
    (
        {"mounts": [{"Type": "volume", "Target": "/x", "VolumeOptions": {"Labels": {1, 2}}}]},
        "mounts",
        "{1, 2}",
    ),
    ({"mounts": ["type=volume"]}, "mounts", "'type=volume'"),
    ({"mounts": ["type=volume,target=/x,bogus=1"]}, "mounts", "'bogus=1'"),
    ({"mounts": ["target=/x,readonly=maybe"]}, "mounts", "'readonly=maybe'"),
    ({"mounts": ["target=/x,target=/y"]}, "mounts", "'target=/x,target=/y'"),
    (
        {"mounts": ["type=bind,src=/a,target=/x,bind-propagation=up"]},
        "mounts",
        "'bind-propagation=up'",
    ),
    ({"mounts": ["type=tmpfs,target=/x,tmpfs-mode=999"]}, "mounts", "'tmpfs-mode=999'"),
    ({"mounts": [5]}, "mounts", "5"),
    (
        {"mounts": [{"Type": "volume", "Target": "/x", "Consistency": "eventual"}]},
        "mounts",
        "'eventual'",
    ),
    (
        {"mounts": [{"Type": "bind", "Source": "/a", "Target": "/x", "BindOptions": "x"}]},
        "mounts",
        "'x'",
    ),
    ({"mounts": [{"Type": "volume", "Target": "/x", "VolumeOptions": {1: "a"}}]}, "mounts", "1"),
    (
        {"mounts": [{"Type": "volume", "Target": "/x", "VolumeOptions": {"NoCopy": float("nan")}}]},
        "mounts",
        "nan",
    ),
    (
        {"mounts": [{"Type": "volume", "Target": "/x", "VolumeOptions": {"NoCopy": 2**70}}]},
        "mounts",
        str(2**70),
    ),
    ({"mounts": ["type=volume,target"]}, "mounts", "'target'"),
    ({"mounts": ["target=/x,volume-label=novalue"]}, "mounts", "'volume-label=novalue'"),
    ({"mounts": ["type=tmpfs,target=/x,tmpfs-size=9999999999p"]}, "mounts", "'9999999999p'"),
    ({"mounts": {"Type": "volume"}}, "mounts", "{'Type': 'volume'}"),
    ({"aliases": ["a"]}, "aliases", "None"),
    ({"net": "bridge", "aliases": ["a"]}, "aliases", "'bridge'"),
    ({"network": "host", "ip_address": "10.0.0.1"}, "ip_address", "'host'"),
    ({"network": "n1", "aliases": ["a b"]}, "aliases", "'a b'"),
    ({"network": "n1", "ip_address": "10.0.0.300"}, "ip_address", "'10.0.0.300'"),
    ({"network": "n1", "ipv6_address": "10.0.0.1"}, "ipv6_address", "'10.0.0.1'"),
    ({"network": "bridge", "ipv6_address": "fe80::1"}, "ipv6_address", "'bridge'"),
    (
        {"network": "n1", "ip_address": "fe80::1", "ipv6_address": "fe80::2"},
        "ip_address",
        "'fe80::2'",
    ),
    ({"network": "n1", "link_local_ips": ["x"]}, "link_local_ips", "['x']"),
    ({"healthcheck": {"test": 5}}, "healthcheck", "5"),
    ({"healthcheck": {"bogus": 1}}, "healthcheck", "'bogus'"),
    ({"healthcheck": {"interval": -1}}, "healthcheck", "-1"),
    ({"healthcheck": {"interval": "1us"}}, "healthcheck", "'1us'"),
    ({"healthcheck": {"timeout": "10 s"}}, "healthcheck", "'10 s'"),
    ({"healthcheck": {"retries": -1}}, "healthcheck", "-1"),
    ({"healthcheck": {"retries": True}}, "healthcheck", "True"),
    ({"healthcheck": {"test": ["CMD"]}}, "healthcheck", "['CMD']"),
    ({"healthcheck": {"test": ["NONE", "x"]}}, "healthcheck", "['NONE', 'x']"),
    ({"healthcheck": {"test": ["CMD-SHELL", "a", "b"]}}, "healthcheck", "['CMD-SHELL', 'a', 'b']"),
    ({"healthcheck": {"test": ""}}, "healthcheck", "''"),
    ({"healthcheck": "curl -f http://x/"}, "healthcheck", "'curl -f http://x/'"),
    ({"init": 1}, "init", "1"),
    ({"auto_remove": "yes"}, "auto_remove", "'yes'"),
    ({"stop_signal": "sigterm"}, "stop_signal", "'sigterm'"),
    ({"stop_signal": 15}, "stop_signal", "15"),
    ({"stop_signal": ""}, "stop_signal", "''"),
    ({"stop_timeout": -1}, "stop_timeout", "-1"),
    ({"stop_timeout": "10"}, "stop_timeout", "'10'"),
    ({"cpus": 0}, "cpus", "0"),
    ({"cpus": -1}, "cpus", "-1"),
    ({"cpus": "1.5"}, "cpus", "'1.5'"),
    ({"cpus": float("nan")}, "cpus", "nan"),
    ({"cpus": float("inf")}, "cpus", "inf"),
    ({"cpus": True}, "cpus", "True"),
    ({"cpus": 1e-12}, "cpus", "1e-12"),
    ({"cpus": 10**30}, "cpus", str(10**30)),
    ({"cpus": 1, "cpu_period": 100000}, "cpus", "cpu_period"),
    ({"cpu_period": 500}, "cpu_period", "500"),
    ({"cpu_period": 2_000_000}, "cpu_period", "2000000"),
    ({"cpu_quota": 500}, "cpu_quota", "500"),
    ({"cpu_quota": -2}, "cpu_quota", "-2"),
    ({"shm_size": "big"}, "shm_size", "'big'"),
    ({"shm_size": -1}, "shm_size", "-1"),
    ({"tmpfs": ["rel"]}, "tmpfs", "'rel'"),
    ({"tmpfs": {"/x": 5}}, "tmpfs", "5"),
    ({"tmpfs": "/x"}, "tmpfs", "'/x'"),
    ({"tmpfs": [5]}, "tmpfs", "5"),
    ({"pid_mode": "private"}, "pid_mode", "'private'"),
    ({"pid_mode": "container:"}, "pid_mode", "'container:'"),
    ({"pid_mode": 1}, "pid_mode", "1"),
    ({"ipc_mode": "bogus"}, "ipc_mode", "'bogus'"),
    ({"uts_mode": "private"}, "uts_mode", "'private'"),
    ({"uts_mode": "container:abc"}, "uts_mode", "'container:abc'"),
    ({"sysctls": [("a", "b")]}, "sysctls", "[('a', 'b')]"),
    ({"sysctls": {"a": 1}}, "sysctls", "1"),
    ({"sysctls": {"a b": "1"}}, "sysctls", "'a b'"),
    ({"group_add": "audio"}, "group_add", "'audio'"),
    ({"oom_kill_disable": 1}, "oom_kill_disable", "1"),
    ({"pids_limit": -2}, "pids_limit", "-2"),
    ({"pids_limit": True}, "pids_limit", "True"),
]

BAD += [
    ({"annotations": ["x"]}, "annotations", "'x'"),
    ({"blkio_weight": 5}, "blkio_weight", "5"),
    ({"blkio_weight_device": {"sda": 200}}, "blkio_weight_device", "('sda', 200)"),
    ({"blkio_device_read_bps": [("/dev/sda", -1)]}, "blkio_device_read_bps", "-1"),
    ({"blkio_device_write_bps": [("/dev/sda",)]}, "blkio_device_write_bps", "('/dev/sda',)"),
    ({"blkio_device_read_iops": {"/dev/sda": "fast"}}, "blkio_device_read_iops", "'fast'"),
    ({"blkio_device_write_iops": {"/dev/sda": 1.5}}, "blkio_device_write_iops", "1.5"),
    ({"cgroup": ""}, "cgroup", "''"),
    ({"cgroupns_mode": "shared"}, "cgroupns_mode", "'shared'"),
    ({"console_size": (24,)}, "console_size", "(24,)"),
    ({"cpu_count": -1}, "cpu_count", "-1"),
    ({"cpu_percent": 101}, "cpu_percent", "101"),
    ({"cpu_realtime_period": "1s"}, "cpu_realtime_period", "'1s'"),
    ({"cpu_realtime_runtime": True}, "cpu_realtime_runtime", "True"),
    ({"cpuset_mems": "0-"}, "cpuset_mems", "'0-'"),
    ({"device_cgroup_rules": ["x 1:3 mr"]}, "device_cgroup_rules", "'x 1:3 mr'"),
    ({"device_requests": [{"Driver": "nvidia", "Gpus": 1}]}, "device_requests", "'Gpus'"),
    ({"io_maximum_bandwidth": "fast"}, "io_maximum_bandwidth", "'fast'"),
    ({"io_maximum_iops": -1}, "io_maximum_iops", "-1"),
    ({"isolation": "vm"}, "isolation", "'vm'"),
    ({"masked_paths": ["proc/kcore"]}, "masked_paths", "'proc/kcore'"),
    ({"memory_reservation": -1}, "memory_reservation", "-1"),
    ({"memory_swappiness": 101}, "memory_swappiness", "101"),
    ({"oom_score_adj": 1001}, "oom_score_adj", "1001"),
    ({"readonly_paths": "/proc/sys"}, "readonly_paths", "'/proc/sys'"),
    ({"runtime": "my runtime"}, "runtime", "'my runtime'"),
    ({"storage_opt": {"size": 10}}, "storage_opt", "10"),
    ({"userns_mode": "private"}, "userns_mode", "'private'"),
    ({"volume_driver": ""}, "volume_driver", "''"),
    ({"network_disabled": "yes"}, "network_disabled", "'yes'"),
    ({"on_build": [1]}, "on_build", "1"),
    ({"shell": [None]}, "shell", "None"),
    ({"args_escaped": 1}, "args_escaped", "1"),
    ({"networks": []}, "networks", "[]"),
    ({"networks": {"n1": {"alias": ["a"]}}}, "networks", "'alias'"),
    ({"networks": {"n1": {"ipv4_address": "fd00::1"}}}, "networks", "'fd00::1'"),
    ({"networks": {"bridge": {"aliases": ["a"]}}}, "networks", "user-defined network"),
    ({"extra": {"hostConfig": {}}}, "extra", "'hostConfig'"),
    ({"extra": {"HostConfig": {"Memory": float("inf")}}}, "extra", "inf"),
    ({"extra": {"HostConfig": ["Memory"]}}, "extra", "['Memory']"),
    ({"extra": {"Image": "x"}}, "extra", "'Image'"),
    ({"mounts": [{"Type": "volume", "Target": "/x", "VolumeOptions": {"Subpath": "../up"}}]}, "mounts", "'../up'"),  # noqa: E501
    ({"mounts": [{"Type": "bind", "Source": "/s", "Target": "/x", "BindOptions": {"Recursive": 1}}]}, "mounts", "'Recursive'"),  # noqa: E501
    ({"network": "a/b"}, "network", "'a/b'"),
    ({"env": ["=x"]}, "env", "variable name"),
    ({"dns_options": ["a b"]}, "dns_options", "'a b'"),
    ({"open_stdin": 1}, "open_stdin", "1"),
    ({"stdin_once": "no"}, "stdin_once", "'no'"),
    ({"user": -1}, "user", "-1"),
    ({"group_add": [-5]}, "group_add", "-5"),
    ({"log_config": (" ", {})}, "log_config", "' '"),
]  # fmt: skip


@pytest.mark.parametrize(("opts", "option", "shown"), BAD)
def test_bad_value(opts: dict[str, Any], option: str, shown: str) -> None:
    api = V41 if option_tables._SINCE.get(option, V17) <= V41 else V56
    with pytest.raises(InvalidOption) as caught:
        create_body(IMAGE, opts, api)
    message = str(caught.value)
    assert f"'{option}'" in message
    assert shown in message


def test_bad_value_message_format() -> None:
    with pytest.raises(InvalidOption) as caught:
        create_body(IMAGE, {"publish": ["abc"]}, V41)
    assert str(caught.value) == (
        "create option 'publish': bad value 'abc' "
        "(expected port, (port, host_port), (port, host_port, ip) or (port, protocol))"
    )
    assert isinstance(caught.value, ValueError)


def test_long_bad_values_are_shortened() -> None:
    with pytest.raises(InvalidOption) as caught:
        create_body(IMAGE, {"hostname": "x" * 10_000}, V41)
    assert len(str(caught.value)) < 300


def test_unprintable_bad_values() -> None:
    class Odd:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    for value in (10**5000, Odd()):
        with pytest.raises(InvalidOption, match="'cpu_shares'"):
            create_body(IMAGE, {"cpu_shares": value}, V41)


def test_every_option_has_a_bad_value() -> None:
    named = {name for opts, _, _ in BAD for name in opts}
    assert named == CREATE_OPTIONS - QUERY_OPTIONS


def test_unknown_option() -> None:
    with pytest.raises(InvalidOption) as caught:
        create_body(IMAGE, {"hostnme": "x"}, V41)
    assert str(caught.value) == "unknown create option 'hostnme'"


def test_unknown_option_wins_over_bad_values() -> None:
    with pytest.raises(InvalidOption, match="unknown create option 'privilege'"):
        create_body(IMAGE, {"memory": "lots", "privilege": True}, V41)


@pytest.mark.parametrize("opts", [None, [("tty", True)], "tty"])
def test_options_must_be_a_mapping(opts: Any) -> None:
    with pytest.raises(InvalidOption):
        create_body(IMAGE, opts, V41)


@pytest.mark.parametrize("image", ["", None, 5])
def test_bad_image(image: Any) -> None:
    with pytest.raises(InvalidOption):
        create_body(image, {}, V41)


def test_nothing_half_built() -> None:
    # A good option before a bad one: the error still comes, and nothing is returned.
    opts = {"env": {"A": "1"}, "labels": {"k": "v"}, "tty": "yes"}
    with pytest.raises(InvalidOption, match="'tty'"):
        create_body(IMAGE, opts, V41)
    assert opts == {"env": {"A": "1"}, "labels": {"k": "v"}, "tty": "yes"}


# ----------------------------------------------------------------------------- API versions

# Options a 1.18 daemon does not know, with a valid value, and the version they need.
TOO_OLD_AT_18: list[tuple[str, Any]] = [
    ("mounts", [{"Type": "volume", "Target": "/d"}]),
    ("healthcheck", {"test": "true"}),
    ("init", True),
    ("auto_remove", True),
    ("stop_signal", "SIGTERM"),
    ("stop_timeout", 5),
    ("cpus", 1.0),
    ("shm_size", "64m"),
    ("tmpfs", ["/run"]),
    ("sysctls", {"a.b": "1"}),
    ("group_add", ["audio"]),
    ("oom_kill_disable", True),
    ("pids_limit", 10),
    ("cpu_period", 100000),
    ("cpu_quota", 50000),
    ("uts_mode", "host"),
]


@pytest.mark.parametrize(("option", "value"), TOO_OLD_AT_18)
def test_option_too_new_for_1_18(option: str, value: Any) -> None:
    with pytest.raises(InvalidOption) as caught:
        create_body(IMAGE, {option: value}, V18)
    assert f"'{option}'" in str(caught.value)
    assert "needs API 1." in str(caught.value)
    assert "1.18" in str(caught.value)
    create_body(IMAGE, {option: value}, V41)  # fine where the daemon knows it


@pytest.mark.parametrize(
    ("opts", "api", "needs"),
    [
        ({"network": "n1"}, (1, 21), "1.22"),
        ({"network": "n1", "aliases": ["a"]}, (1, 21), "1.22"),
        ({"net": "n1", "ip_address": "10.0.0.1"}, (1, 21), "1.22"),
        ({"labels": {"a": "b"}}, V17, "1.18"),
        ({"log_config": "none"}, V17, "1.18"),
        ({"ulimits": [("nofile", 1, 1)]}, V17, "1.18"),
        ({"cgroup_parent": "x"}, V17, "1.18"),
        ({"healthcheck": {"test": "x"}}, (1, 23), "1.24"),
        ({"mounts": []}, (1, 24), "1.25"),
        # values that arrived later than their option
        ({"restart": "unless-stopped"}, V18, "1.21"),
        ({"pid_mode": "container:abc"}, (1, 23), "1.24"),
        ({"ipc_mode": "private"}, (1, 31), "1.32"),
        ({"ipc_mode": "shareable"}, V18, "1.32"),
        ({"net": "mynet"}, (1, 20), "1.21"),
        ({"volumes": [("myvol", "/data")]}, (1, 20), "1.21"),
        ({"expose": ["132/sctp"]}, (1, 36), "1.37"),
        ({"publish": [(53, 53), ((132, "sctp"), 132)]}, (1, 36), "1.37"),
        ({"healthcheck": {"start_period": "5s"}}, (1, 28), "1.29"),
    ],
)
def test_needs_newer_api(opts: dict[str, Any], api: ApiVersion, needs: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        create_body(IMAGE, opts, api)
    message = str(caught.value)
    assert f"needs API {needs} or newer" in message
    assert any(f"'{name}'" in message for name in opts)


def test_lxc_confs_gone() -> None:
    with pytest.raises(InvalidOption) as caught:
        create_body(IMAGE, {"lxc_confs": {"a": "b"}}, (1, 22))
    assert str(caught.value).startswith("create option 'lxc_confs' is gone since API 1.22")


# ----------------------------------------------------------------------------- commit config


def test_config_body() -> None:
    opts = {
        "cmds": ["/bin/sh"],
        "entrypoints": "/init",
        "env": {"A": "1"},
        "labels": {"k": "v"},
        "volumes": ["/data"],
        "expose": [80],
        "healthcheck": {"test": "true", "interval": "10s"},
        "hostname": "h",
        "domain_name": "d",
        "user": "u",
        "workdir": "/w",
        "tty": True,
        "interactive": True,
        "mac_address": "aa:bb:cc:dd:ee:ff",
        "stop_signal": "SIGINT",
        "stop_timeout": 3,
        "name": "ignored",
    }
    assert config_body(opts, V41) == {
        "Cmd": ["/bin/sh"],
        "Entrypoint": ["/init"],
        "Env": ["A=1"],
        "Labels": {"k": "v"},
        "Volumes": {"/data": {}},
        "ExposedPorts": {"80/tcp": {}},
        "Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": 10 * 10**9},
        "Hostname": "h",
        "Domainname": "d",
        "User": "u",
        "WorkingDir": "/w",
        "Tty": True,
        "AttachStdin": True,
        "AttachStdout": True,
        "AttachStderr": True,
        "OpenStdin": True,
        "StdinOnce": True,
        "MacAddress": "aa:bb:cc:dd:ee:ff",
        "StopSignal": "SIGINT",
        "StopTimeout": 3,
    }
    assert config_body({}, V18) == {}


@pytest.mark.parametrize("option", sorted(CREATE_OPTIONS - CONFIG_OPTIONS - QUERY_OPTIONS))
def test_config_body_refuses_host_options(option: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        config_body({option: None}, V41)
    assert f"'{option}' belongs to HostConfig" in str(caught.value)


def test_config_body_refuses_host_binds() -> None:
    with pytest.raises(InvalidOption, match=r"'volumes'.*HostConfig"):
        config_body({"volumes": ["/data", ("/h", "/c")]}, V41)


def test_config_body_checks_values_and_unknowns() -> None:
    with pytest.raises(InvalidOption, match="'env'"):
        config_body({"env": "A=1"}, V41)
    with pytest.raises(InvalidOption, match="unknown create option 'bogus'"):
        config_body({"bogus": 1}, V41)
    with pytest.raises(InvalidOption, match=r"needs API 1\.24"):
        config_body({"healthcheck": {}}, V18)


def test_option_sets() -> None:
    assert QUERY_OPTIONS <= CREATE_OPTIONS
    assert CONFIG_OPTIONS <= CREATE_OPTIONS
    assert not CONFIG_OPTIONS & QUERY_OPTIONS
    assert {"cmds", "env", "labels", "volumes", "healthcheck"} <= CONFIG_OPTIONS
    assert not {"memory", "publish", "net", "mounts"} & CONFIG_OPTIONS


def test_update_body() -> None:
    opts = {
        "memory": "64m",
        "memory_swap": -1,
        "cpu_shares": 512,
        "cpus": 1.5,
        "cpu_set": "0-1",
        "pids_limit": 100,
        "restart": ("on-failure", 2),
    }
    assert update_body(opts, V41) == {
        "Memory": 64 * 1024**2,
        "MemorySwap": -1,
        "CpuShares": 512,
        "NanoCpus": 1_500_000_000,
        "CpusetCpus": "0-1",
        "PidsLimit": 100,
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2},
    }
    assert update_body({"cpu_period": 100000, "cpu_quota": 50000}, (1, 22)) == {
        "CpuPeriod": 100000,
        "CpuQuota": 50000,
    }
    assert UPDATE_OPTIONS <= CREATE_OPTIONS


@pytest.mark.parametrize(
    ("opts", "api", "message"),
    [
        ({}, V41, "nothing to change"),
        ({"tty": True}, V41, "not one of"),
        ({"memory": "lots"}, V41, "bad value 'lots'"),
        ({"restart": "always"}, (1, 22), "needs API 1.23"),
        ({"cpus": 1}, (1, 27), "needs API 1.28"),
        ({"pids_limit": 10}, (1, 39), "needs API 1.40"),
        ({"cpus": 1, "cpu_quota": 50000}, V41, "cannot be combined"),
    ],
)
def test_update_body_refuses(opts: dict[str, Any], api: ApiVersion, message: str) -> None:
    with pytest.raises(InvalidOption, match=message):
        update_body(opts, api)


# ----------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (1024, 1024),
        ("1024", 1024),
        ("10b", 10),
        ("100k", 100 * 1024),
        ("100K", 100 * 1024),
        ("100kb", 100 * 1024),
        ("512m", 512 * 1024**2),
        ("512MiB", 512 * 1024**2),
        ("1g", 1024**3),
        ("1GB", 1024**3),
        ("1.5g", 3 * 1024**3 // 2),
        ("2t", 2 * 1024**4),
        ("1p", 1024**5),
        (" 64 m ", 64 * 1024**2),
        ("0.5k", 512),
    ],
)
def test_parse_bytes(value: int | str, expected: int) -> None:
    assert parse_bytes("memory", value) == expected


@pytest.mark.parametrize(
    "value", [-1, "1x", "", "k", 1.5, True, None, "1e3", 2**63, "-1", "1.g", "\u0663", "1 0m"]
)
def test_parse_bytes_bad(value: Any) -> None:
    with pytest.raises(InvalidOption) as caught:
        parse_bytes("memory", value)
    assert "'memory'" in str(caught.value)
    assert repr(value)[:50] in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (10, 10 * 10**9),
        (1.5, 1_500_000_000),
        (0.3, 300_000_000),
        ("0", 0),
        ("10s", 10 * 10**9),
        ("1m30s", 90 * 10**9),
        ("500ms", 500 * 10**6),
        ("1h", 3600 * 10**9),
        ("2us", 2000),
        ("2\u00b5s", 2000),
        ("7ns", 7),
        ("1.5s", 1_500_000_000),
        (".5s", 500_000_000),
        ("1h2m3s4ms", (3723 * 1000 + 4) * 10**6),
    ],
)
def test_parse_duration_ns(value: float | int | str, expected: int) -> None:
    assert parse_duration_ns("interval", value) == expected


@pytest.mark.parametrize(
    "value",
    [
        -1,
        -0.5,
        "10",
        "s",
        "",
        "1d",
        True,
        None,
        float("inf"),
        float("nan"),
        "-1s",
        "1m 30s",
        [10],
        10**30,
        "99999999999999h",
    ],
)
def test_parse_duration_ns_bad(value: Any) -> None:
    with pytest.raises(InvalidOption) as caught:
        parse_duration_ns("interval", value)
    assert "'interval'" in str(caught.value)
    assert repr(value)[:50] in str(caught.value)


# ----------------------------------------------------------------------------- properties

NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,15}", fullmatch=True)
TEXT = st.text(alphabet=st.characters(exclude_characters="\x00"), max_size=20)
PORT = st.integers(1, 65535)
ABS_PATH = st.from_regex(r"(/[A-Za-z0-9_.-]{1,8}){1,3}", fullmatch=True).filter(lambda p: p != "/")
IPV4 = st.ip_addresses(v=4).map(str)

VALID_OPTIONS: dict[str, st.SearchStrategy[Any]] = {
    "attach": st.lists(st.sampled_from(["stdin", "stdout", "stderr"]), unique=True),
    "interactive": st.booleans(),
    "tty": st.booleans(),
    "cmds": st.lists(TEXT, max_size=4) | TEXT,
    "entrypoints": st.lists(TEXT, max_size=4),
    "env": st.dictionaries(NAME, TEXT, max_size=5),
    "labels": st.dictionaries(NAME, TEXT, max_size=5),
    "expose": st.lists(PORT | st.tuples(PORT, st.sampled_from(["tcp", "udp"])), max_size=4),
    "publish": st.lists(
        PORT
        | st.tuples(PORT, PORT)
        | st.tuples(PORT, PORT, IPV4)
        | st.tuples(st.tuples(PORT, st.sampled_from(["tcp", "udp"])), PORT | st.none()),
        max_size=4,
    ),
    "memory": st.integers(0, 2**40) | st.sampled_from(["512m", "1g", "100k", "64MiB"]),
    "cpu_shares": st.integers(0, 262144),
    "cpu_set_cpus": st.sampled_from(["0", "0-1", "0,1", "0-3,5"]),
    "hostname": st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z][a-z0-9]{0,10}){0,2}", fullmatch=True),
    "user": st.integers(0, 65535) | st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True),
    "workdir": ABS_PATH,
    "privileged": st.booleans(),
    "read_only": st.booleans(),
    "publish_all": st.booleans(),
    "dns": st.lists(IPV4, max_size=3),
    "add_hosts": st.lists(
        st.tuples(st.from_regex(r"[a-z]{1,8}", fullmatch=True), IPV4), max_size=3
    ),
    "volumes": st.lists(
        ABS_PATH
        | st.tuples(ABS_PATH, ABS_PATH)
        | st.tuples(ABS_PATH, ABS_PATH, st.sampled_from(["ro", "rw", True, False])),
        max_size=4,
    ),
    "restart": st.sampled_from(["always", "no", "unless-stopped", "on-failure"])
    | st.tuples(st.just("on-failure"), st.integers(0, 10)),
    "ulimits": st.lists(
        st.tuples(st.sampled_from(["nofile", "nproc", "core"]), st.integers(0, 4096)).map(
            lambda t: (t[0], t[1], t[1] + 10)
        ),
        max_size=3,
    ),
    "healthcheck": st.fixed_dictionaries(
        {},
        optional={
            "test": TEXT.filter(bool),
            "interval": st.sampled_from([0, 1, 2.5, "10s", "1m30s", "500ms"]),
            "retries": st.integers(0, 10),
        },
    ),
    "cpus": st.floats(0.01, 64),
    "shm_size": st.integers(0, 2**30),
    "sysctls": st.dictionaries(
        st.from_regex(r"[a-z]{1,5}(\.[a-z]{1,5}){1,3}", fullmatch=True), TEXT
    ),
    "memory_reservation": st.integers(0, 2**40) | st.sampled_from(["64m", "1g"]),
    "memory_swappiness": st.integers(-1, 100),
    "oom_score_adj": st.integers(-1000, 1000),
    "blkio_weight": st.sampled_from([0, 10, 500, 1000]),
    "device_cgroup_rules": st.lists(st.sampled_from(["a", "c 1:3 mr", "b *:* rwm"])),
    "annotations": st.dictionaries(NAME, TEXT, max_size=3),
    "storage_opt": st.dictionaries(NAME, TEXT, max_size=3),
    "dns_options": st.lists(st.sampled_from(["ndots:2", "rotate"]), max_size=2),
    "group_add": st.lists(st.integers(0, 65535) | st.sampled_from(["audio", "video"])),
    "cgroupns_mode": st.sampled_from(["private", "host"]),
    "shell": st.lists(TEXT, min_size=1, max_size=3),
}


@settings(deadline=None)
@given(
    opts=st.fixed_dictionaries({}, optional=VALID_OPTIONS),
    api=st.sampled_from([V18, (1, 25), V41]),
)
def test_valid_options_round_trip(opts: dict[str, Any], api: ApiVersion) -> None:
    opts = {k: v for k, v in opts.items() if option_tables._SINCE.get(k, V17) <= api}
    if opts.get("restart") == "unless-stopped" and api < (1, 21):
        opts.pop("restart")
    before = copy.deepcopy(opts)
    got = create_body(IMAGE, opts, api)
    assert json.loads(json.dumps(got)) == got
    assert opts == before
    host = got["HostConfig"]
    if "env" in opts:
        assert got["Env"] == [f"{k}={v}" for k, v in opts["env"].items()]
        for key in opts["env"]:
            assert any(item.startswith(f"{key}=") for item in got["Env"])
    if "labels" in opts:
        assert got["Labels"] == opts["labels"]
    if "cmds" in opts:
        cmds = opts["cmds"]
        assert got["Cmd"] == ([cmds] if isinstance(cmds, str) else cmds)
    if "hostname" in opts:
        assert got["Hostname"] == opts["hostname"]
    if "tty" in opts:
        assert got["Tty"] is opts["tty"]
    if "memory" in opts:
        assert host["Memory"] == parse_bytes("memory", opts["memory"])
        assert ("Memory" in got) == (api < (1, 19))
    for port in opts.get("expose", []):
        key = f"{port}/tcp" if isinstance(port, int) else f"{port[0]}/{port[1]}"
        assert key in got["ExposedPorts"]
    for item in opts.get("publish", []):
        cport = item if isinstance(item, int) else item[0]
        key = f"{cport}/tcp" if isinstance(cport, int) else f"{cport[0]}/{cport[1]}"
        assert key in got["ExposedPorts"]
        assert key in host["PortBindings"]
        if isinstance(item, tuple) and isinstance(item[1], int):
            assert {"HostIp": item[2] if len(item) == 3 else "", "HostPort": str(item[1])} in (
                host["PortBindings"][key]
            )
    for item in opts.get("volumes", []):
        if isinstance(item, str):
            assert item in got["Volumes"]
        else:
            assert any(b.startswith(f"{item[0]}:{item[1]}") for b in host["Binds"])
    if "sysctls" in opts:
        assert host["Sysctls"] == opts["sysctls"]
    if "cpus" in opts:
        assert abs(host["NanoCpus"] - opts["cpus"] * 1e9) <= 1


# Arbitrary values, biased towards the shapes options take, to reach deep checks.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "",
            "stdin",
            "/data",
            "/dev/sda",
            "rel",
            "ro",
            "rw",
            "rwm",
            "tcp",
            "udp",
            "sctp",
            "80",
            "80/udp",
            "1.2.3.4",
            "::1",
            "host",
            "none",
            "bridge",
            "container:abc",
            "private",
            "on-failure",
            "always",
            "unless-stopped",
            "nofile",
            "512m",
            "10s",
            "CMD",
            "CMD-SHELL",
            "NONE",
            "test",
            "interval",
            "retries",
            "Type",
            "Target",
            "Source",
            "volume",
            "bind",
            "tmpfs",
            "type=volume,target=/x",
            "type=tmpfs,target=/t,tmpfs-size=1m",
            "A=B",
            "0-3",
        ]
    )
)
ANYTHING = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.tuples(inner, inner, inner)
        | st.dictionaries(
            st.text(max_size=8) | st.sampled_from(["Type", "Target", "test"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)
APIS = st.sampled_from([V17, V18, (1, 21), (1, 24), (1, 32), V41])


def _create_or_invalid(opts: dict[str, Any], api: ApiVersion) -> None:
    try:
        got = create_body(IMAGE, opts, api)
    except InvalidOption:
        return
    assert isinstance(got, dict)
    assert json.loads(json.dumps(got)) == got


@pytest.mark.parametrize("option", sorted(CREATE_OPTIONS))
@settings(deadline=None, max_examples=60)
@given(value=ANYTHING, api=APIS)
def test_any_value_is_built_or_refused(option: str, value: Any, api: ApiVersion) -> None:
    _create_or_invalid({option: value}, api)


@settings(deadline=None)
@given(
    opts=st.dictionaries(st.sampled_from(sorted(CREATE_OPTIONS)), ANYTHING, max_size=6), api=APIS
)
def test_any_options_are_built_or_refused(opts: dict[str, Any], api: ApiVersion) -> None:
    _create_or_invalid(opts, api)
    with contextlib.suppress(InvalidOption):
        assert isinstance(config_body(opts, api), dict)


@settings(deadline=None)
@given(value=ANYTHING)
def test_units_never_crash(value: Any) -> None:
    for parse in (parse_bytes, parse_duration_ns):
        with contextlib.suppress(InvalidOption):
            assert parse("x", value) >= 0


# -- version gates and the escape hatch of the newer options ---------------------------


@pytest.mark.parametrize(
    "option", sorted(n for n, since in option_tables._SINCE.items() if since > V41)
)
def test_options_newer_than_1_41_are_refused_there(option: str) -> None:
    opts = next(opts for opts, _, _ in CASES if option in opts)
    with pytest.raises(InvalidOption, match=f"'{option}' needs API 1\\.4"):
        create_body(IMAGE, {option: opts[option]}, V41)


@pytest.mark.parametrize(
    ("opts", "api", "needs"),
    [
        ({"networks": ["n1", "n2"]}, V41, "1.44"),
        ({"networks": {"n1": {"mac_address": "02:42:ac:11:00:02"}}}, V41, "1.44"),
        ({"networks": {"n1": {"gw_priority": 1}}}, V44, "1.48"),
        ({"healthcheck": {"start_interval": 1}}, V41, "1.44"),
        ({"mounts": ["type=volume,target=/d,volume-subpath=x"]}, V44, "1.45"),
        ({"mounts": [{"Type": "image", "Source": "b", "Target": "/i"}]}, V44, "1.48"),
        ({"mounts": [{"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"Options": []}}]}, V44, "1.46"),  # noqa: E501
    ],
)  # fmt: skip
def test_newer_values_need_newer_apis(opts: dict[str, Any], api: ApiVersion, needs: str) -> None:
    with pytest.raises(InvalidOption, match=f"needs API {re.escape(needs)}"):
        create_body(IMAGE, opts, api)


def test_mac_address_moved_to_the_endpoint_at_1_52() -> None:
    assert create_body(IMAGE, {"mac_address": "02:42:ac:11:00:02"}, (1, 51))["MacAddress"]
    with pytest.raises(InvalidOption, match=r"'mac_address' is gone since API 1\.52"):
        create_body(IMAGE, {"mac_address": "02:42:ac:11:00:02"}, (1, 52))


def test_stdin_flags_agree_with_interactive() -> None:
    got = create_body(IMAGE, {"interactive": True, "stdin_once": True}, V41)
    assert got["OpenStdin"] is got["StdinOnce"] is True
    with pytest.raises(InvalidOption, match="'stdin_once': False disagrees with StdinOnce=True"):
        create_body(IMAGE, {"interactive": True, "stdin_once": False}, V41)


def test_networks_is_given_alone() -> None:
    for other in ({"network": "n1"}, {"net": "host"}, {"network": "n1", "aliases": ["a"]}):
        with pytest.raises(InvalidOption, match="'networks' sets the network mode"):
            create_body(IMAGE, {"networks": ["n1"], **other}, V44)


@pytest.mark.parametrize(
    ("opts", "field"),
    [
        ({"memory": "1g", "extra": {"HostConfig": {"Memory": 5}}}, "HostConfig.Memory"),
        ({"env": {"A": "1"}, "extra": {"Env": ["B=2"]}}, "Env"),
        (
            {"network": "n1", "aliases": ["a"], "extra": {"NetworkingConfig": {"EndpointsConfig": {"n1": {"Aliases": ["b"]}}}}},  # noqa: E501
            "EndpointsConfig['n1'].Aliases",
        ),
    ],
)  # fmt: skip
def test_extra_never_overrides_a_named_option(opts: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        create_body(IMAGE, opts, V41)
    assert f"'extra': {field} is set by a named option" in str(caught.value)


def test_extra_in_commit_and_update() -> None:
    assert config_body({"extra": {"Shell": ["/bin/ash"]}}, V41) == {"Shell": ["/bin/ash"]}
    with pytest.raises(InvalidOption, match="Config fields only"):
        config_body({"extra": {"HostConfig": {"Memory": 1}}}, V41)
    assert update_body({"extra": {"HostConfig": {"CpuRealtimeRuntime": 5}}}, V41) == {
        "CpuRealtimeRuntime": 5
    }
    with pytest.raises(InvalidOption, match="HostConfig fields only"):
        update_body({"extra": {"Env": []}}, V41)


def test_update_takes_the_newer_resources() -> None:
    assert update_body({"memory_reservation": "1m", "blkio_weight": 100}, V41) == {
        "MemoryReservation": 1024**2,
        "BlkioWeight": 100,
    }
    rates = {"blkio_device_read_bps": {"/dev/sda": "1m"}}
    with pytest.raises(InvalidOption, match=r"needs API 1\.55"):
        update_body(rates, V41)  # taken but ignored by daemons before 1.55
    assert update_body(rates, (1, 55)) == {
        "BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1024**2}]
    }
