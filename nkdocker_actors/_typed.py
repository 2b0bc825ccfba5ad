"""The command methods of `Docker`, typed, for type checkers and editors.

GENERATED from the command tables (nkdocker_actors/commands/*) by
`python -m nkdocker_actors.commands.gen_typed`: do not edit by hand; tests/test_typing.py
checks it is in sync. At run time the methods come from the same tables (`Docker.call`)
with `help()` text built from them: this module only describes them, and is only
imported by type checkers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime
    import os
    from collections.abc import Iterable, Mapping, Sequence
    from typing import IO, Any, Literal, TypeAlias, overload

    from .messages import Future, Output, Ref, Subscriber

    Strings: TypeAlias = list[str] | tuple[str, ...]
    StrMap: TypeAlias = Mapping[str, str] | Sequence[tuple[str, str]]
    TimeValue: TypeAlias = int | float | str | datetime.datetime
    Filters: TypeAlias = Mapping[str, Any]
    RequestBody: TypeAlias = bytes | bytearray | IO[bytes] | Iterable[bytes]
    FileTarget: TypeAlias = str | os.PathLike[str] | IO[bytes]
    BuildContext: TypeAlias = (
        bytes | bytearray | IO[bytes] | str | os.PathLike[str] | Mapping[str, bytes | str]
    )
    RegistryAuth: TypeAlias = str | Mapping[str, str]
    Items: TypeAlias = list[Any] | tuple[Any, ...]

    class TypedCommands:
        """The command methods of `Docker`, typed."""

        @overload
        def archive_stat(
            self,
            container: str,
            path: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def archive_stat(
            self,
            container: str,
            path: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def archive_stat(self, *args: Any, **options: Any) -> Future[Any]:
            """Stat a path in the container: {'name', 'size', 'mode', 'mtime', 'linkTarget'}."""

        @overload
        def attach(
            self,
            container: str,
            *,
            logs: bool | None = None,
            stream: bool | None = None,
            stdin: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            detach_keys: str | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def attach(
            self,
            container: str,
            *,
            logs: bool | None = None,
            stream: bool | None = None,
            stdin: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            detach_keys: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def attach(
            self,
            container: str,
            *,
            logs: bool | None = None,
            stream: bool | None = None,
            stdin: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            detach_keys: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[Output]]: ...
        def attach(self, *args: Any, **options: Any) -> Future[Any]:
            """Attach to stdin/stdout/stderr: with a subscriber and stream=True, a bidirectional
            stream (attach_send, close_stdin); without, the output so far (logs=True).
            """

        @overload
        def attach_ws(
            self,
            container: str,
            *,
            logs: bool | None = None,
            stream: bool | None = None,
            stdin: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            detach_keys: str | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def attach_ws(
            self,
            container: str,
            *,
            logs: bool | None = None,
            stream: bool | None = None,
            stdin: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            detach_keys: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def attach_ws(
            self,
            container: str,
            *,
            logs: bool | None = None,
            stream: bool | None = None,
            stdin: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            detach_keys: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[bytes]: ...
        def attach_ws(self, *args: Any, **options: Any) -> Future[Any]:
            """Attach over a websocket: with a subscriber and stream=True, each frame's payload
            comes as Data(bytes), stdout and stderr unmultiplexed; attach_send writes stdin,
            close_stdin starts the close handshake, which ends the stream Done('closed:
            1000'). Without (logs=True): the output so far, as bytes. Podman 4.3 does not
            offer it (NotFound).
            """

        @overload
        def build(
            self,
            tar: BuildContext,
            *,
            dockerfile: str | None = None,
            t: str | Strings | None = None,
            extrahosts: str | Items | StrMap | None = None,
            isolation: Literal["default", "process", "hyperv"] | None = None,
            gzip: bool | None = None,
            outputs: str | None = None,
            remote: str | None = None,
            q: bool | None = None,
            nocache: bool | None = None,
            cachefrom: str | Strings | None = None,
            pull: bool | None = None,
            rm: bool | None = None,
            forcerm: bool | None = None,
            memory: int | str | None = None,
            memswap: int | str | None = None,
            cpushares: int | None = None,
            cpusetcpus: str | None = None,
            cpuperiod: int | None = None,
            cpuquota: int | None = None,
            cpusetmems: str | None = None,
            cgroupparent: str | None = None,
            ulimits: Items | None = None,
            securityopt: str | Strings | None = None,
            buildargs: StrMap | None = None,
            shmsize: int | str | None = None,
            squash: bool | None = None,
            labels: StrMap | None = None,
            network_mode: str | None = None,
            platform: str | None = None,
            target: str | None = None,
            auth: Mapping[str, Any] | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def build(
            self,
            tar: BuildContext,
            *,
            dockerfile: str | None = None,
            t: str | Strings | None = None,
            extrahosts: str | Items | StrMap | None = None,
            isolation: Literal["default", "process", "hyperv"] | None = None,
            gzip: bool | None = None,
            outputs: str | None = None,
            remote: str | None = None,
            q: bool | None = None,
            nocache: bool | None = None,
            cachefrom: str | Strings | None = None,
            pull: bool | None = None,
            rm: bool | None = None,
            forcerm: bool | None = None,
            memory: int | str | None = None,
            memswap: int | str | None = None,
            cpushares: int | None = None,
            cpusetcpus: str | None = None,
            cpuperiod: int | None = None,
            cpuquota: int | None = None,
            cpusetmems: str | None = None,
            cgroupparent: str | None = None,
            ulimits: Items | None = None,
            securityopt: str | Strings | None = None,
            buildargs: StrMap | None = None,
            shmsize: int | str | None = None,
            squash: bool | None = None,
            labels: StrMap | None = None,
            network_mode: str | None = None,
            platform: str | None = None,
            target: str | None = None,
            auth: Mapping[str, Any] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def build(
            self,
            tar: BuildContext,
            *,
            dockerfile: str | None = None,
            t: str | Strings | None = None,
            extrahosts: str | Items | StrMap | None = None,
            isolation: Literal["default", "process", "hyperv"] | None = None,
            gzip: bool | None = None,
            outputs: str | None = None,
            remote: str | None = None,
            q: bool | None = None,
            nocache: bool | None = None,
            cachefrom: str | Strings | None = None,
            pull: bool | None = None,
            rm: bool | None = None,
            forcerm: bool | None = None,
            memory: int | str | None = None,
            memswap: int | str | None = None,
            cpushares: int | None = None,
            cpusetcpus: str | None = None,
            cpuperiod: int | None = None,
            cpuquota: int | None = None,
            cpusetmems: str | None = None,
            cgroupparent: str | None = None,
            ulimits: Items | None = None,
            securityopt: str | Strings | None = None,
            buildargs: StrMap | None = None,
            shmsize: int | str | None = None,
            squash: bool | None = None,
            labels: StrMap | None = None,
            network_mode: str | None = None,
            platform: str | None = None,
            target: str | None = None,
            auth: Mapping[str, Any] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def build(self, *args: Any, **options: Any) -> Future[Any]:
            """Build an image from a context (tar bytes, a directory honouring .dockerignore, or
            {path: bytes}); returns the progress lines, or streams them as Data to a
            subscriber. `dockerfile` may be a path outside the context (or absolute): it is
            sent in it. gzip=True compresses the context. `auth` gives credentials (or
            registry -> credentials) for the images it pulls.
            """

        @overload
        def build_prune(
            self,
            *,
            keep_storage: int | str | None = None,
            reserved_space: int | str | None = None,
            max_used_space: int | str | None = None,
            min_free_space: int | str | None = None,
            all: bool | None = None,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def build_prune(
            self,
            *,
            keep_storage: int | str | None = None,
            reserved_space: int | str | None = None,
            max_used_space: int | str | None = None,
            min_free_space: int | str | None = None,
            all: bool | None = None,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def build_prune(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove build cache: {'CachesDeleted', 'SpaceReclaimed'}."""

        @overload
        def commit(
            self,
            container: str,
            *,
            repo: str | None = None,
            tag: str | None = None,
            comment: str | None = None,
            author: str | None = None,
            pause: bool | None = None,
            changes: str | Strings | None = None,
            args_escaped: bool | None = None,
            attach: Strings | None = None,
            cmds: str | Strings | None = None,
            domain_name: str | None = None,
            entrypoints: str | Strings | None = None,
            env: Mapping[str, str] | Items | None = None,
            expose: Items | None = None,
            extra: Mapping[str, Any] | None = None,
            healthcheck: Mapping[str, Any] | None = None,
            hostname: str | None = None,
            interactive: bool | None = None,
            labels: StrMap | None = None,
            mac_address: str | None = None,
            network_disabled: bool | None = None,
            on_build: str | Strings | None = None,
            open_stdin: bool | None = None,
            shell: str | Strings | None = None,
            stdin_once: bool | None = None,
            stop_signal: str | None = None,
            stop_timeout: int | None = None,
            tty: bool | None = None,
            user: str | int | tuple[int | str, int | str] | None = None,
            volumes: Items | None = None,
            workdir: str | None = None,
            working_dir: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def commit(
            self,
            container: str,
            *,
            repo: str | None = None,
            tag: str | None = None,
            comment: str | None = None,
            author: str | None = None,
            pause: bool | None = None,
            changes: str | Strings | None = None,
            args_escaped: bool | None = None,
            attach: Strings | None = None,
            cmds: str | Strings | None = None,
            domain_name: str | None = None,
            entrypoints: str | Strings | None = None,
            env: Mapping[str, str] | Items | None = None,
            expose: Items | None = None,
            extra: Mapping[str, Any] | None = None,
            healthcheck: Mapping[str, Any] | None = None,
            hostname: str | None = None,
            interactive: bool | None = None,
            labels: StrMap | None = None,
            mac_address: str | None = None,
            network_disabled: bool | None = None,
            on_build: str | Strings | None = None,
            open_stdin: bool | None = None,
            shell: str | Strings | None = None,
            stdin_once: bool | None = None,
            stop_signal: str | None = None,
            stop_timeout: int | None = None,
            tty: bool | None = None,
            user: str | int | tuple[int | str, int | str] | None = None,
            volumes: Items | None = None,
            workdir: str | None = None,
            working_dir: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def commit(self, *args: Any, **options: Any) -> Future[Any]:
            """Create an image from a container; create options that belong to the image's config
            (cmds, env, labels, ...) give its config. Returns {'Id'}.
            """

        @overload
        def config_create(
            self,
            name: str,
            data: bytes | str,
            *,
            labels: StrMap | None = None,
            templating: str | tuple[str, Mapping[str, str]] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def config_create(
            self,
            name: str,
            data: bytes | str,
            *,
            labels: StrMap | None = None,
            templating: str | tuple[str, Mapping[str, str]] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def config_create(self, *args: Any, **options: Any) -> Future[Any]:
            """Create a config named `name` holding `data` (bytes, or text as UTF-8); returns
            {'ID'}.
            """

        @overload
        def config_inspect(
            self,
            config: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def config_inspect(
            self,
            config: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def config_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Inspect a config (by id or name)."""

        @overload
        def config_rm(
            self,
            config: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def config_rm(
            self,
            config: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def config_rm(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove a config (Conflict while a service uses it)."""

        @overload
        def config_update(
            self,
            config: str,
            version: int,
            *,
            spec: Any | None = None,
            labels: StrMap | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def config_update(
            self,
            config: str,
            version: int,
            *,
            spec: Any | None = None,
            labels: StrMap | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def config_update(self, *args: Any, **options: Any) -> Future[Any]:
            """Change a config's labels (the only part that may change): `spec` is its current
            Spec (config_inspect's), version its Version.Index.
            """

        @overload
        def configs(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def configs(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def configs(self, *args: Any, **options: Any) -> Future[Any]:
            """List configs (filters: id, label, name, names)."""

        @overload
        def container_prune(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def container_prune(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def container_prune(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove stopped containers: {'ContainersDeleted', 'SpaceReclaimed'}."""

        @overload
        def cp(
            self,
            container: str,
            path: str,
            file: FileTarget | None = None,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def cp(
            self,
            container: str,
            path: str,
            file: FileTarget,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        @overload
        def cp(
            self,
            container: str,
            path: str,
            file: None = None,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[bytes]: ...
        def cp(self, *args: Any, **options: Any) -> Future[Any]:
            """Copy a path out of the container as a tar: written to `file`, else bytes."""

        @overload
        def create(
            self,
            image: str,
            *,
            name: str | None = None,
            platform: str | None = None,
            add_hosts: Mapping[str, Any] | Items | None = None,
            aliases: Strings | None = None,
            annotations: StrMap | None = None,
            args_escaped: bool | None = None,
            attach: Strings | None = None,
            auto_remove: bool | None = None,
            blkio_device_read_bps: Mapping[str, int] | Items | None = None,
            blkio_device_read_iops: Mapping[str, int] | Items | None = None,
            blkio_device_write_bps: Mapping[str, int] | Items | None = None,
            blkio_device_write_iops: Mapping[str, int] | Items | None = None,
            blkio_weight: int | None = None,
            blkio_weight_device: Mapping[str, int] | Items | None = None,
            cap_add: Strings | None = None,
            cap_drop: Strings | None = None,
            cgroup: str | None = None,
            cgroup_parent: str | None = None,
            cgroupns_mode: str | None = None,
            cidfile: str | None = None,
            cmds: str | Strings | None = None,
            console_size: tuple[int, int] | None = None,
            cpu_count: int | None = None,
            cpu_percent: int | None = None,
            cpu_period: int | None = None,
            cpu_quota: int | None = None,
            cpu_realtime_period: int | None = None,
            cpu_realtime_runtime: int | None = None,
            cpu_set: str | None = None,
            cpu_set_cpus: str | None = None,
            cpu_shares: int | None = None,
            cpus: float | None = None,
            cpuset_mems: str | None = None,
            device_cgroup_rules: Strings | None = None,
            device_requests: Items | None = None,
            devices: Items | None = None,
            dns: Items | None = None,
            dns_options: Strings | None = None,
            dns_search: Strings | None = None,
            domain_name: str | None = None,
            entrypoints: str | Strings | None = None,
            env: Mapping[str, str] | Items | None = None,
            expose: Items | None = None,
            extra: Mapping[str, Any] | None = None,
            group_add: Items | None = None,
            healthcheck: Mapping[str, Any] | None = None,
            hostname: str | None = None,
            init: bool | None = None,
            interactive: bool | None = None,
            io_maximum_bandwidth: int | str | None = None,
            io_maximum_iops: int | None = None,
            ip_address: str | None = None,
            ipc_mode: str | None = None,
            ipv6_address: str | None = None,
            isolation: str | None = None,
            labels: StrMap | None = None,
            link_local_ips: Strings | None = None,
            links: Mapping[str, str] | Items | None = None,
            log_config: str | tuple[str, Mapping[str, str]] | None = None,
            lxc_confs: StrMap | None = None,
            mac_address: str | None = None,
            masked_paths: Strings | None = None,
            memory: int | str | None = None,
            memory_reservation: int | str | None = None,
            memory_swap: int | str | None = None,
            memory_swappiness: int | None = None,
            mounts: Items | None = None,
            net: str | None = None,
            network: str | None = None,
            network_disabled: bool | None = None,
            networks: Strings | Mapping[str, Any] | None = None,
            on_build: str | Strings | None = None,
            oom_kill_disable: bool | None = None,
            oom_score_adj: int | None = None,
            open_stdin: bool | None = None,
            pid_mode: str | None = None,
            pids_limit: int | None = None,
            privileged: bool | None = None,
            publish: Items | None = None,
            publish_all: bool | None = None,
            read_only: bool | None = None,
            readonly_paths: Strings | None = None,
            restart: str | tuple[str, int] | None = None,
            runtime: str | None = None,
            security_opts: Strings | None = None,
            shell: str | Strings | None = None,
            shm_size: int | str | None = None,
            stdin_once: bool | None = None,
            stop_signal: str | None = None,
            stop_timeout: int | None = None,
            storage_opt: StrMap | None = None,
            sysctls: Mapping[str, str] | None = None,
            tmpfs: Mapping[str, str] | Items | None = None,
            tty: bool | None = None,
            ulimits: Items | None = None,
            user: str | int | tuple[int | str, int | str] | None = None,
            userns_mode: str | None = None,
            uts_mode: str | None = None,
            volume_driver: str | None = None,
            volumes: Items | None = None,
            volumes_from: Items | None = None,
            workdir: str | None = None,
            working_dir: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def create(
            self,
            image: str,
            *,
            name: str | None = None,
            platform: str | None = None,
            add_hosts: Mapping[str, Any] | Items | None = None,
            aliases: Strings | None = None,
            annotations: StrMap | None = None,
            args_escaped: bool | None = None,
            attach: Strings | None = None,
            auto_remove: bool | None = None,
            blkio_device_read_bps: Mapping[str, int] | Items | None = None,
            blkio_device_read_iops: Mapping[str, int] | Items | None = None,
            blkio_device_write_bps: Mapping[str, int] | Items | None = None,
            blkio_device_write_iops: Mapping[str, int] | Items | None = None,
            blkio_weight: int | None = None,
            blkio_weight_device: Mapping[str, int] | Items | None = None,
            cap_add: Strings | None = None,
            cap_drop: Strings | None = None,
            cgroup: str | None = None,
            cgroup_parent: str | None = None,
            cgroupns_mode: str | None = None,
            cidfile: str | None = None,
            cmds: str | Strings | None = None,
            console_size: tuple[int, int] | None = None,
            cpu_count: int | None = None,
            cpu_percent: int | None = None,
            cpu_period: int | None = None,
            cpu_quota: int | None = None,
            cpu_realtime_period: int | None = None,
            cpu_realtime_runtime: int | None = None,
            cpu_set: str | None = None,
            cpu_set_cpus: str | None = None,
            cpu_shares: int | None = None,
            cpus: float | None = None,
            cpuset_mems: str | None = None,
            device_cgroup_rules: Strings | None = None,
            device_requests: Items | None = None,
            devices: Items | None = None,
            dns: Items | None = None,
            dns_options: Strings | None = None,
            dns_search: Strings | None = None,
            domain_name: str | None = None,
            entrypoints: str | Strings | None = None,
            env: Mapping[str, str] | Items | None = None,
            expose: Items | None = None,
            extra: Mapping[str, Any] | None = None,
            group_add: Items | None = None,
            healthcheck: Mapping[str, Any] | None = None,
            hostname: str | None = None,
            init: bool | None = None,
            interactive: bool | None = None,
            io_maximum_bandwidth: int | str | None = None,
            io_maximum_iops: int | None = None,
            ip_address: str | None = None,
            ipc_mode: str | None = None,
            ipv6_address: str | None = None,
            isolation: str | None = None,
            labels: StrMap | None = None,
            link_local_ips: Strings | None = None,
            links: Mapping[str, str] | Items | None = None,
            log_config: str | tuple[str, Mapping[str, str]] | None = None,
            lxc_confs: StrMap | None = None,
            mac_address: str | None = None,
            masked_paths: Strings | None = None,
            memory: int | str | None = None,
            memory_reservation: int | str | None = None,
            memory_swap: int | str | None = None,
            memory_swappiness: int | None = None,
            mounts: Items | None = None,
            net: str | None = None,
            network: str | None = None,
            network_disabled: bool | None = None,
            networks: Strings | Mapping[str, Any] | None = None,
            on_build: str | Strings | None = None,
            oom_kill_disable: bool | None = None,
            oom_score_adj: int | None = None,
            open_stdin: bool | None = None,
            pid_mode: str | None = None,
            pids_limit: int | None = None,
            privileged: bool | None = None,
            publish: Items | None = None,
            publish_all: bool | None = None,
            read_only: bool | None = None,
            readonly_paths: Strings | None = None,
            restart: str | tuple[str, int] | None = None,
            runtime: str | None = None,
            security_opts: Strings | None = None,
            shell: str | Strings | None = None,
            shm_size: int | str | None = None,
            stdin_once: bool | None = None,
            stop_signal: str | None = None,
            stop_timeout: int | None = None,
            storage_opt: StrMap | None = None,
            sysctls: Mapping[str, str] | None = None,
            tmpfs: Mapping[str, str] | Items | None = None,
            tty: bool | None = None,
            ulimits: Items | None = None,
            user: str | int | tuple[int | str, int | str] | None = None,
            userns_mode: str | None = None,
            uts_mode: str | None = None,
            volume_driver: str | None = None,
            volumes: Items | None = None,
            volumes_from: Items | None = None,
            workdir: str | None = None,
            working_dir: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def create(self, *args: Any, **options: Any) -> Future[Any]:
            """Create a container from an image with create options; returns {'Id', 'Warnings'}."""

        @overload
        def create_image(
            self,
            *,
            from_image: str | None = None,
            from_src: str | None = None,
            repo: str | None = None,
            tag: str | None = None,
            message: str | None = None,
            platform: str | None = None,
            registry: str | None = None,
            changes: str | Strings | None = None,
            data: RequestBody | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def create_image(
            self,
            *,
            from_image: str | None = None,
            from_src: str | None = None,
            repo: str | None = None,
            tag: str | None = None,
            message: str | None = None,
            platform: str | None = None,
            registry: str | None = None,
            changes: str | Strings | None = None,
            data: RequestBody | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def create_image(
            self,
            *,
            from_image: str | None = None,
            from_src: str | None = None,
            repo: str | None = None,
            tag: str | None = None,
            message: str | None = None,
            platform: str | None = None,
            registry: str | None = None,
            changes: str | Strings | None = None,
            data: RequestBody | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def create_image(self, *args: Any, **options: Any) -> Future[Any]:
            """Pull an image (from_image, tag, from `registry` if given) or import one (from_src
            URL, or '-' with data); returns the progress lines, or streams them as Data.
            """

        @overload
        def diff(
            self,
            container: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def diff(
            self,
            container: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def diff(self, *args: Any, **options: Any) -> Future[Any]:
            """Filesystem changes: [{'Path', 'Kind'}] (Kind 0 modified, 1 added, 2 deleted)."""

        @overload
        def distribution_inspect(
            self,
            image: str,
            *,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def distribution_inspect(
            self,
            image: str,
            *,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def distribution_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Ask the image's registry for its descriptor and platforms: {'Descriptor',
            'Platforms'}.
            """

        @overload
        def events(
            self,
            *,
            since: TimeValue | None = None,
            until: TimeValue | None = None,
            filters: Filters | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def events(
            self,
            *,
            since: TimeValue | None = None,
            until: TimeValue | None = None,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def events(
            self,
            *,
            since: TimeValue | None = None,
            until: TimeValue | None = None,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def events(self, *args: Any, **options: Any) -> Future[Any]:
            """Real-time events; with a subscriber each arrives as Data. Without one, `until` is
            required and the list of events is returned.
            """

        @overload
        def exec_create(
            self,
            container: str,
            cmds: str | Strings,
            *,
            stdin: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            tty: bool | None = None,
            env: StrMap | Strings | None = None,
            workdir: str | None = None,
            user: str | None = None,
            privileged: bool | None = None,
            detach_keys: str | None = None,
            console_size: tuple[int, int] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def exec_create(
            self,
            container: str,
            cmds: str | Strings,
            *,
            stdin: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            tty: bool | None = None,
            env: StrMap | Strings | None = None,
            workdir: str | None = None,
            user: str | None = None,
            privileged: bool | None = None,
            detach_keys: str | None = None,
            console_size: tuple[int, int] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[str]: ...
        def exec_create(self, *args: Any, **options: Any) -> Future[Any]:
            """Set up a process to run in a container; returns the exec id."""

        @overload
        def exec_inspect(
            self,
            exec_id: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def exec_inspect(
            self,
            exec_id: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def exec_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Exec state and exit code."""

        @overload
        def exec_resize(
            self,
            exec_id: str,
            w: int,
            h: int,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def exec_resize(
            self,
            exec_id: str,
            w: int,
            h: int,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def exec_resize(self, *args: Any, **options: Any) -> Future[Any]:
            """Resize an exec's TTY."""

        @overload
        def exec_start(
            self,
            exec_id: str,
            *,
            detach: bool | None = None,
            tty: bool | None = None,
            console_size: tuple[int, int] | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def exec_start(
            self,
            exec_id: str,
            *,
            detach: bool | None = None,
            tty: bool | None = None,
            console_size: tuple[int, int] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def exec_start(
            self,
            exec_id: str,
            *,
            detach: Literal[True],
            tty: bool | None = None,
            console_size: tuple[int, int] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[None]: ...
        @overload
        def exec_start(
            self,
            exec_id: str,
            *,
            detach: Literal[False] | None = None,
            tty: bool | None = None,
            console_size: tuple[int, int] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[Output]]: ...
        def exec_start(self, *args: Any, **options: Any) -> Future[Any]:
            """Start an exec: detach=True returns None at once; otherwise its output (a list of
            Output; give tty=True if it was created with a TTY), or with a subscriber a
            bidirectional stream (attach_send, close_stdin).
            """

        @overload
        def export(
            self,
            container: str,
            file: FileTarget | None = None,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def export(
            self,
            container: str,
            file: FileTarget,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        @overload
        def export(
            self,
            container: str,
            file: None = None,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[bytes]: ...
        def export(self, *args: Any, **options: Any) -> Future[Any]:
            """The filesystem as a tar: written to `file` (a path or a binary file), else bytes."""

        @overload
        def get_archive(
            self,
            container: str,
            path: str,
            file: FileTarget | None = None,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def get_archive(
            self,
            container: str,
            path: str,
            file: FileTarget,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        @overload
        def get_archive(
            self,
            container: str,
            path: str,
            file: None = None,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[bytes]: ...
        def get_archive(self, *args: Any, **options: Any) -> Future[Any]:
            """A tar of a path in the container: written to `file`, else bytes."""

        @overload
        def get_image(
            self,
            image: str,
            file: FileTarget | None = None,
            *,
            platform: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def get_image(
            self,
            image: str,
            file: FileTarget,
            *,
            platform: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        @overload
        def get_image(
            self,
            image: str,
            file: None = None,
            *,
            platform: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[bytes]: ...
        def get_image(self, *args: Any, **options: Any) -> Future[Any]:
            """Save an image as a tar: written to `file` (a path or a binary file), else bytes."""

        @overload
        def get_images(
            self,
            names: str | Strings,
            file: FileTarget | None = None,
            *,
            platform: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def get_images(
            self,
            names: str | Strings,
            file: FileTarget,
            *,
            platform: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        @overload
        def get_images(
            self,
            names: str | Strings,
            file: None = None,
            *,
            platform: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[bytes]: ...
        def get_images(self, *args: Any, **options: Any) -> Future[Any]:
            """Save several images in one tar: written to `file`, else bytes."""

        @overload
        def history(
            self,
            image: str,
            *,
            platform: str | Mapping[str, str] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def history(
            self,
            image: str,
            *,
            platform: str | Mapping[str, str] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def history(self, *args: Any, **options: Any) -> Future[Any]:
            """The image's layers."""

        @overload
        def image_attestations(
            self,
            image: str,
            *,
            platform: str | Mapping[str, str] | None = None,
            type: str | Strings | None = None,
            statement: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def image_attestations(
            self,
            image: str,
            *,
            platform: str | Mapping[str, str] | None = None,
            type: str | Strings | None = None,
            statement: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def image_attestations(self, *args: Any, **options: Any) -> Future[Any]:
            """The in-toto attestation statements attached to an image: [AttestationStatement];
            `type` filters by predicate type URI, statement=True includes each statement body.
            """

        @overload
        def image_prune(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def image_prune(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def image_prune(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove unused images (dangling ones unless filters={'dangling': False}):
            {'ImagesDeleted', 'SpaceReclaimed'}.
            """

        @overload
        def images(
            self,
            *,
            all: bool | None = None,
            filters: Filters | None = None,
            filter: str | None = None,
            digests: bool | None = None,
            shared_size: bool | None = None,
            manifests: bool | None = None,
            identity: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def images(
            self,
            *,
            all: bool | None = None,
            filters: Filters | None = None,
            filter: str | None = None,
            digests: bool | None = None,
            shared_size: bool | None = None,
            manifests: bool | None = None,
            identity: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def images(self, *args: Any, **options: Any) -> Future[Any]:
            """List images."""

        @overload
        def import_image(
            self,
            data: RequestBody,
            *,
            repo: str | None = None,
            tag: str | None = None,
            message: str | None = None,
            changes: str | Strings | None = None,
            from_src: str | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def import_image(
            self,
            data: RequestBody,
            *,
            repo: str | None = None,
            tag: str | None = None,
            message: str | None = None,
            changes: str | Strings | None = None,
            from_src: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def import_image(
            self,
            data: RequestBody,
            *,
            repo: str | None = None,
            tag: str | None = None,
            message: str | None = None,
            changes: str | Strings | None = None,
            from_src: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def import_image(self, *args: Any, **options: Any) -> Future[Any]:
            """Import a root filesystem tar (bytes, iterable or binary file) as repo:tag."""

        @overload
        def info(
            self,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def info(
            self,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def info(self, *args: Any, **options: Any) -> Future[Any]:
            """System-wide information."""

        @overload
        def inspect(
            self,
            container: str,
            *,
            size: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def inspect(
            self,
            container: str,
            *,
            size: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Low-level information."""

        @overload
        def inspect_image(
            self,
            image: str,
            *,
            manifests: bool | None = None,
            platform: str | Mapping[str, str] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def inspect_image(
            self,
            image: str,
            *,
            manifests: bool | None = None,
            platform: str | Mapping[str, str] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def inspect_image(self, *args: Any, **options: Any) -> Future[Any]:
            """Low-level image information."""

        @overload
        def kill(
            self,
            container: str,
            signal: str | int | None = None,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def kill(
            self,
            container: str,
            signal: str | int | None = None,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def kill(self, *args: Any, **options: Any) -> Future[Any]:
            """Send a signal (SIGKILL by default)."""

        @overload
        def load(
            self,
            tar: RequestBody,
            *,
            quiet: bool | None = None,
            platform: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def load(
            self,
            tar: RequestBody,
            *,
            quiet: bool | None = None,
            platform: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def load(self, *args: Any, **options: Any) -> Future[Any]:
            """Load images from a tar (bytes, iterable or binary file); the progress lines."""

        @overload
        def login(
            self,
            username: str,
            password: str,
            email: str | None = None,
            serveraddress: str | None = None,
            *,
            store: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def login(
            self,
            username: str,
            password: str,
            email: str | None = None,
            serveraddress: str | None = None,
            *,
            store: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def login(self, *args: Any, **options: Any) -> Future[Any]:
            """Check registry credentials (Unauthorized if refused): {'Status', 'IdentityToken'}.
            store=True then keeps them as `docker login` does (config.json or its helper).
            """

        @overload
        def logs(
            self,
            container: str,
            *,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            until: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            details: bool | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def logs(
            self,
            container: str,
            *,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            until: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            details: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def logs(
            self,
            container: str,
            *,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            until: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            details: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[Output]]: ...
        def logs(self, *args: Any, **options: Any) -> Future[Any]:
            """The container's output: a list of Output, or with a subscriber (and follow) a
            stream.
            """

        @overload
        def network_connect(
            self,
            network: str,
            container: str,
            *,
            endpoint_config: Any | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def network_connect(
            self,
            network: str,
            container: str,
            *,
            endpoint_config: Any | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def network_connect(self, *args: Any, **options: Any) -> Future[Any]:
            """Connect a container to a network (endpoint_config as the API's EndpointSettings)."""

        @overload
        def network_create(
            self,
            name: str,
            *,
            driver: str | None = None,
            scope: Literal["local", "swarm", "global"] | None = None,
            internal: bool | None = None,
            attachable: bool | None = None,
            ingress: bool | None = None,
            config_only: bool | None = None,
            config_from: str | None = None,
            enable_ipv4: bool | None = None,
            enable_ipv6: bool | None = None,
            ipam: Any | None = None,
            options: StrMap | None = None,
            labels: StrMap | None = None,
            check_duplicate: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def network_create(
            self,
            name: str,
            *,
            driver: str | None = None,
            scope: Literal["local", "swarm", "global"] | None = None,
            internal: bool | None = None,
            attachable: bool | None = None,
            ingress: bool | None = None,
            config_only: bool | None = None,
            config_from: str | None = None,
            enable_ipv4: bool | None = None,
            enable_ipv6: bool | None = None,
            ipam: Any | None = None,
            options: StrMap | None = None,
            labels: StrMap | None = None,
            check_duplicate: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def network_create(self, *args: Any, **options: Any) -> Future[Any]:
            """Create a network; returns {'Id', 'Warning'}. (From API 1.44 a taken name is always
            a Conflict.)
            """

        @overload
        def network_disconnect(
            self,
            network: str,
            container: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def network_disconnect(
            self,
            network: str,
            container: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def network_disconnect(self, *args: Any, **options: Any) -> Future[Any]:
            """Disconnect a container from a network."""

        @overload
        def network_inspect(
            self,
            network: str,
            *,
            verbose: bool | None = None,
            scope: Literal["local", "swarm", "global"] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def network_inspect(
            self,
            network: str,
            *,
            verbose: bool | None = None,
            scope: Literal["local", "swarm", "global"] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def network_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Inspect a network."""

        @overload
        def network_prune(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def network_prune(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def network_prune(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove unused networks: {'NetworksDeleted'}."""

        @overload
        def network_rm(
            self,
            network: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def network_rm(
            self,
            network: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def network_rm(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove a network (Conflict while containers use it)."""

        @overload
        def networks(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def networks(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def networks(self, *args: Any, **options: Any) -> Future[Any]:
            """List networks."""

        @overload
        def node_inspect(
            self,
            node: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def node_inspect(
            self,
            node: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def node_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Inspect a node (by id or hostname)."""

        @overload
        def node_rm(
            self,
            node: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def node_rm(
            self,
            node: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def node_rm(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove a node from the swarm (one still up only with force=True)."""

        @overload
        def node_update(
            self,
            node: str,
            version: int,
            *,
            spec: Any | None = None,
            availability: str | None = None,
            labels: StrMap | None = None,
            name: str | None = None,
            role: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def node_update(
            self,
            node: str,
            version: int,
            *,
            spec: Any | None = None,
            availability: str | None = None,
            labels: StrMap | None = None,
            name: str | None = None,
            role: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def node_update(self, *args: Any, **options: Any) -> Future[Any]:
            """Change a node: its spec (`spec`, e.g. node_inspect's Spec) with node options laid
            over it: name, labels ({str: str}), role ('worker' | 'manager'), availability
            ('active' | 'pause' | 'drain'); version is its Version.Index.
            """

        @overload
        def nodes(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def nodes(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def nodes(self, *args: Any, **options: Any) -> Future[Any]:
            """List the swarm's nodes (filters: id, label, membership, name, node.label, role)."""

        @overload
        def pause(
            self,
            container: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def pause(
            self,
            container: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def pause(self, *args: Any, **options: Any) -> Future[Any]:
            """Pause all processes."""

        @overload
        def ping(
            self,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def ping(
            self,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[str]: ...
        def ping(self, *args: Any, **options: Any) -> Future[Any]:
            """Check the daemon answers: "OK"."""

        @overload
        def ping_head(
            self,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def ping_head(
            self,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, str]]: ...
        def ping_head(self, *args: Any, **options: Any) -> Future[Any]:
            """Check the daemon answers, reading only its headers: {'api-version', 'ostype',
            'builder-version', 'swarm', ...} (names in lower case).
            """

        @overload
        def plugin_create(
            self,
            name: str,
            tar: BuildContext,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_create(
            self,
            name: str,
            tar: BuildContext,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def plugin_create(self, *args: Any, **options: Any) -> Future[Any]:
            """Create a plugin `name` from a context holding config.json and rootfs/ (tar bytes
            or a binary file, a directory, or {path: bytes}).
            """

        @overload
        def plugin_disable(
            self,
            plugin: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_disable(
            self,
            plugin: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def plugin_disable(self, *args: Any, **options: Any) -> Future[Any]:
            """Disable (stop) a plugin; force=True even while it is in use."""

        @overload
        def plugin_enable(
            self,
            plugin: str,
            *,
            plugin_timeout: int | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_enable(
            self,
            plugin: str,
            *,
            plugin_timeout: int | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def plugin_enable(self, *args: Any, **options: Any) -> Future[Any]:
            """Enable (start) a plugin; `plugin_timeout` is the daemon's HTTP timeout towards it,
            in seconds (0: its default).
            """

        @overload
        def plugin_inspect(
            self,
            plugin: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_inspect(
            self,
            plugin: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def plugin_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Inspect a plugin."""

        @overload
        def plugin_privileges(
            self,
            remote: str,
            *,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_privileges(
            self,
            remote: str,
            *,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def plugin_privileges(self, *args: Any, **options: Any) -> Future[Any]:
            """The privileges a plugin asks for: [{'Name', 'Description', 'Value'}] (give them to
            plugin_pull / plugin_upgrade as `privileges` to accept them).
            """

        @overload
        def plugin_pull(
            self,
            remote: str,
            name: str | None = None,
            *,
            auth: RegistryAuth | None = None,
            privileges: Items | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def plugin_pull(
            self,
            remote: str,
            name: str | None = None,
            *,
            auth: RegistryAuth | None = None,
            privileges: Items | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_pull(
            self,
            remote: str,
            name: str | None = None,
            *,
            auth: RegistryAuth | None = None,
            privileges: Items | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def plugin_pull(self, *args: Any, **options: Any) -> Future[Any]:
            """Pull and install a plugin (disabled) from `remote`, as `name` if given, accepting
            `privileges`; the progress lines, or Data to a subscriber.
            """

        @overload
        def plugin_push(
            self,
            plugin: str,
            *,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def plugin_push(
            self,
            plugin: str,
            *,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_push(
            self,
            plugin: str,
            *,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def plugin_push(self, *args: Any, **options: Any) -> Future[Any]:
            """Push a plugin to its registry; the progress lines, or Data to a subscriber."""

        @overload
        def plugin_rm(
            self,
            plugin: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_rm(
            self,
            plugin: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def plugin_rm(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove a plugin (force=True disables it first); returns its description."""

        @overload
        def plugin_set(
            self,
            plugin: str,
            settings: StrMap | Strings,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_set(
            self,
            plugin: str,
            settings: StrMap | Strings,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def plugin_set(self, *args: Any, **options: Any) -> Future[Any]:
            """Change a disabled plugin's settings: {'DEBUG': '1'} or ['DEBUG=1',
            'mount.source=/x', 'DEBUG'].
            """

        @overload
        def plugin_upgrade(
            self,
            plugin: str,
            remote: str,
            *,
            auth: RegistryAuth | None = None,
            privileges: Items | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def plugin_upgrade(
            self,
            plugin: str,
            remote: str,
            *,
            auth: RegistryAuth | None = None,
            privileges: Items | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugin_upgrade(
            self,
            plugin: str,
            remote: str,
            *,
            auth: RegistryAuth | None = None,
            privileges: Items | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def plugin_upgrade(self, *args: Any, **options: Any) -> Future[Any]:
            """Upgrade a disabled plugin to `remote`, accepting `privileges`; the progress lines,
            or Data to a subscriber.
            """

        @overload
        def plugins(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def plugins(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def plugins(self, *args: Any, **options: Any) -> Future[Any]:
            """List installed plugins."""

        @overload
        def port(
            self,
            container: str,
            private_port: int | str | None = None,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def port(
            self,
            container: str,
            private_port: int | str | None = None,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[Any]: ...
        def port(self, *args: Any, **options: Any) -> Future[Any]:
            """Published ports: {'80/tcp': [{'HostIp', 'HostPort'}], ...}; given a private_port
            (80, '80/udp'), that port's bindings (None if it is not published).
            """

        @overload
        def ps(
            self,
            *,
            all: bool | None = None,
            limit: int | None = None,
            size: bool | None = None,
            before: str | None = None,
            since: str | None = None,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def ps(
            self,
            *,
            all: bool | None = None,
            limit: int | None = None,
            size: bool | None = None,
            before: str | None = None,
            since: str | None = None,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def ps(self, *args: Any, **options: Any) -> Future[Any]:
            """List containers (running ones unless all=True)."""

        @overload
        def pull(
            self,
            from_image: str,
            tag: str | None = None,
            *,
            platform: str | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def pull(
            self,
            from_image: str,
            tag: str | None = None,
            *,
            platform: str | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def pull(
            self,
            from_image: str,
            tag: str | None = None,
            *,
            platform: str | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def pull(self, *args: Any, **options: Any) -> Future[Any]:
            """Pull `from_image` (a reference, with its tag) from a registry; as create_image."""

        @overload
        def push(
            self,
            image: str,
            tag: str | None = None,
            *,
            platform: str | Mapping[str, str] | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def push(
            self,
            image: str,
            tag: str | None = None,
            *,
            platform: str | Mapping[str, str] | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def push(
            self,
            image: str,
            tag: str | None = None,
            *,
            platform: str | Mapping[str, str] | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def push(self, *args: Any, **options: Any) -> Future[Any]:
            """Push an image to its registry; progress lines, or Data to a subscriber."""

        @overload
        def put_archive(
            self,
            container: str,
            path: str,
            data: RequestBody,
            *,
            no_overwrite_dir_non_dir: bool | None = None,
            copy_uid_gid: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def put_archive(
            self,
            container: str,
            path: str,
            data: RequestBody,
            *,
            no_overwrite_dir_non_dir: bool | None = None,
            copy_uid_gid: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def put_archive(self, *args: Any, **options: Any) -> Future[Any]:
            """Extract a tar (bytes, iterable or binary file) into a directory of the container."""

        @overload
        def rename(
            self,
            container: str,
            name: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def rename(
            self,
            container: str,
            name: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def rename(self, *args: Any, **options: Any) -> Future[Any]:
            """Rename a container (Conflict if the name is taken)."""

        @overload
        def resize(
            self,
            container: str,
            w: int,
            h: int,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def resize(
            self,
            container: str,
            w: int,
            h: int,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def resize(self, *args: Any, **options: Any) -> Future[Any]:
            """Resize the TTY to w columns and h rows."""

        @overload
        def restart(
            self,
            container: str,
            t: int | None = None,
            *,
            signal: str | int | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def restart(
            self,
            container: str,
            t: int | None = None,
            *,
            signal: str | int | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def restart(self, *args: Any, **options: Any) -> Future[Any]:
            """Restart, killing after t seconds."""

        @overload
        def rm(
            self,
            container: str,
            *,
            force: bool | None = None,
            v: bool | None = None,
            link: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def rm(
            self,
            container: str,
            *,
            force: bool | None = None,
            v: bool | None = None,
            link: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def rm(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove a container (Conflict if it runs, unless force=True); v removes its
            volumes; with link=True, `container` names a link to remove: 'container/alias'.
            """

        @overload
        def rmi(
            self,
            image: str,
            *,
            force: bool | None = None,
            noprune: bool | None = None,
            platforms: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def rmi(
            self,
            image: str,
            *,
            force: bool | None = None,
            noprune: bool | None = None,
            platforms: str | Mapping[str, str] | Items | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def rmi(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove an image: [{'Untagged': ...}, {'Deleted': ...}]."""

        @overload
        def search(
            self,
            term: str,
            *,
            limit: int | None = None,
            filters: Filters | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def search(
            self,
            term: str,
            *,
            limit: int | None = None,
            filters: Filters | None = None,
            auth: RegistryAuth | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def search(self, *args: Any, **options: Any) -> Future[Any]:
            """Search a registry (a v1 search endpoint: Docker Hub, or a registry offering one)."""

        @overload
        def secret_create(
            self,
            name: str,
            data: bytes | str,
            *,
            labels: StrMap | None = None,
            driver: str | tuple[str, Mapping[str, str]] | None = None,
            templating: str | tuple[str, Mapping[str, str]] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def secret_create(
            self,
            name: str,
            data: bytes | str,
            *,
            labels: StrMap | None = None,
            driver: str | tuple[str, Mapping[str, str]] | None = None,
            templating: str | tuple[str, Mapping[str, str]] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def secret_create(self, *args: Any, **options: Any) -> Future[Any]:
            """Create a secret named `name` holding `data` (bytes, or text as UTF-8); returns
            {'ID'}.
            """

        @overload
        def secret_inspect(
            self,
            secret: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def secret_inspect(
            self,
            secret: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def secret_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Inspect a secret (by id or name)."""

        @overload
        def secret_rm(
            self,
            secret: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def secret_rm(
            self,
            secret: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def secret_rm(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove a secret (Conflict while a service uses it)."""

        @overload
        def secret_update(
            self,
            secret: str,
            version: int,
            *,
            spec: Any | None = None,
            labels: StrMap | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def secret_update(
            self,
            secret: str,
            version: int,
            *,
            spec: Any | None = None,
            labels: StrMap | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def secret_update(self, *args: Any, **options: Any) -> Future[Any]:
            """Change a secret's labels (the only part that may change): `spec` is its current
            Spec (secret_inspect's), version its Version.Index.
            """

        @overload
        def secrets(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def secrets(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def secrets(self, *args: Any, **options: Any) -> Future[Any]:
            """List secrets (filters: id, label, name, names)."""

        @overload
        def service_create(
            self,
            *,
            auth: RegistryAuth | None = None,
            args: Strings | None = None,
            cap_add: Strings | None = None,
            cap_drop: Strings | None = None,
            command: str | Strings | None = None,
            configs: Items | None = None,
            constraints: Strings | None = None,
            container_labels: StrMap | None = None,
            endpoint_mode: str | None = None,
            env: Mapping[str, str] | Items | None = None,
            force_update: int | None = None,
            groups: Strings | None = None,
            healthcheck: Mapping[str, Any] | None = None,
            hostname: str | None = None,
            image: str | None = None,
            init: bool | None = None,
            labels: StrMap | None = None,
            log_driver: str | tuple[str, Mapping[str, str]] | None = None,
            max_replicas_per_node: int | None = None,
            mode: str | None = None,
            mounts: Items | None = None,
            name: str | None = None,
            networks: Strings | Mapping[str, Any] | None = None,
            open_stdin: bool | None = None,
            ports: Items | None = None,
            preferences: Strings | None = None,
            read_only: bool | None = None,
            replicas: int | None = None,
            resources: Mapping[str, Any] | None = None,
            restart_policy: Mapping[str, Any] | None = None,
            rollback_config: Mapping[str, Any] | None = None,
            secrets: Items | None = None,
            stop_grace_period: int | float | str | None = None,
            stop_signal: str | None = None,
            sysctls: Mapping[str, str] | None = None,
            tty: bool | None = None,
            update_config: Mapping[str, Any] | None = None,
            user: str | int | tuple[int | str, int | str] | None = None,
            workdir: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def service_create(
            self,
            *,
            auth: RegistryAuth | None = None,
            args: Strings | None = None,
            cap_add: Strings | None = None,
            cap_drop: Strings | None = None,
            command: str | Strings | None = None,
            configs: Items | None = None,
            constraints: Strings | None = None,
            container_labels: StrMap | None = None,
            endpoint_mode: str | None = None,
            env: Mapping[str, str] | Items | None = None,
            force_update: int | None = None,
            groups: Strings | None = None,
            healthcheck: Mapping[str, Any] | None = None,
            hostname: str | None = None,
            image: str | None = None,
            init: bool | None = None,
            labels: StrMap | None = None,
            log_driver: str | tuple[str, Mapping[str, str]] | None = None,
            max_replicas_per_node: int | None = None,
            mode: str | None = None,
            mounts: Items | None = None,
            name: str | None = None,
            networks: Strings | Mapping[str, Any] | None = None,
            open_stdin: bool | None = None,
            ports: Items | None = None,
            preferences: Strings | None = None,
            read_only: bool | None = None,
            replicas: int | None = None,
            resources: Mapping[str, Any] | None = None,
            restart_policy: Mapping[str, Any] | None = None,
            rollback_config: Mapping[str, Any] | None = None,
            secrets: Items | None = None,
            stop_grace_period: int | float | str | None = None,
            stop_signal: str | None = None,
            sysctls: Mapping[str, str] | None = None,
            tty: bool | None = None,
            update_config: Mapping[str, Any] | None = None,
            user: str | int | tuple[int | str, int | str] | None = None,
            workdir: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def service_create(self, *args: Any, **options: Any) -> Future[Any]:
            """Create a service from service options (args, cap_add, cap_drop, command, configs,
            constraints, container_labels, endpoint_mode, env, force_update, groups,
            healthcheck, hostname, image, init, labels, log_driver, max_replicas_per_node,
            mode, mounts, name, networks, open_stdin, ports, preferences, read_only, replicas,
            resources, restart_policy, rollback_config, secrets, stop_grace_period,
            stop_signal, sysctls, tty, update_config, user, workdir); `auth` gives the
            registry credentials its nodes pull with. Returns {'ID', 'Warning'}.
            """

        @overload
        def service_inspect(
            self,
            service: str,
            *,
            insert_defaults: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def service_inspect(
            self,
            service: str,
            *,
            insert_defaults: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def service_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Inspect a service (insert_defaults=True fills in the defaults of its spec)."""

        @overload
        def service_logs(
            self,
            service: str,
            *,
            details: bool | None = None,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def service_logs(
            self,
            service: str,
            *,
            details: bool | None = None,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def service_logs(
            self,
            service: str,
            *,
            details: bool | None = None,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[Output]]: ...
        def service_logs(self, *args: Any, **options: Any) -> Future[Any]:
            """The output of a service's tasks: a list of Output, or with a subscriber (and
            follow) a stream.
            """

        @overload
        def service_rm(
            self,
            service: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def service_rm(
            self,
            service: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def service_rm(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove a service (its tasks stop)."""

        @overload
        def service_update(
            self,
            service: str,
            version: int,
            *,
            spec: Any | None = None,
            auth: RegistryAuth | None = None,
            registry_auth_from: Literal["spec", "previous-spec"] | None = None,
            rollback: Literal["previous"] | None = None,
            args: Strings | None = None,
            cap_add: Strings | None = None,
            cap_drop: Strings | None = None,
            command: str | Strings | None = None,
            configs: Items | None = None,
            constraints: Strings | None = None,
            container_labels: StrMap | None = None,
            endpoint_mode: str | None = None,
            env: Mapping[str, str] | Items | None = None,
            force_update: int | None = None,
            groups: Strings | None = None,
            healthcheck: Mapping[str, Any] | None = None,
            hostname: str | None = None,
            image: str | None = None,
            init: bool | None = None,
            labels: StrMap | None = None,
            log_driver: str | tuple[str, Mapping[str, str]] | None = None,
            max_replicas_per_node: int | None = None,
            mode: str | None = None,
            mounts: Items | None = None,
            name: str | None = None,
            networks: Strings | Mapping[str, Any] | None = None,
            open_stdin: bool | None = None,
            ports: Items | None = None,
            preferences: Strings | None = None,
            read_only: bool | None = None,
            replicas: int | None = None,
            resources: Mapping[str, Any] | None = None,
            restart_policy: Mapping[str, Any] | None = None,
            rollback_config: Mapping[str, Any] | None = None,
            secrets: Items | None = None,
            stop_grace_period: int | float | str | None = None,
            stop_signal: str | None = None,
            sysctls: Mapping[str, str] | None = None,
            tty: bool | None = None,
            update_config: Mapping[str, Any] | None = None,
            user: str | int | tuple[int | str, int | str] | None = None,
            workdir: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def service_update(
            self,
            service: str,
            version: int,
            *,
            spec: Any | None = None,
            auth: RegistryAuth | None = None,
            registry_auth_from: Literal["spec", "previous-spec"] | None = None,
            rollback: Literal["previous"] | None = None,
            args: Strings | None = None,
            cap_add: Strings | None = None,
            cap_drop: Strings | None = None,
            command: str | Strings | None = None,
            configs: Items | None = None,
            constraints: Strings | None = None,
            container_labels: StrMap | None = None,
            endpoint_mode: str | None = None,
            env: Mapping[str, str] | Items | None = None,
            force_update: int | None = None,
            groups: Strings | None = None,
            healthcheck: Mapping[str, Any] | None = None,
            hostname: str | None = None,
            image: str | None = None,
            init: bool | None = None,
            labels: StrMap | None = None,
            log_driver: str | tuple[str, Mapping[str, str]] | None = None,
            max_replicas_per_node: int | None = None,
            mode: str | None = None,
            mounts: Items | None = None,
            name: str | None = None,
            networks: Strings | Mapping[str, Any] | None = None,
            open_stdin: bool | None = None,
            ports: Items | None = None,
            preferences: Strings | None = None,
            read_only: bool | None = None,
            replicas: int | None = None,
            resources: Mapping[str, Any] | None = None,
            restart_policy: Mapping[str, Any] | None = None,
            rollback_config: Mapping[str, Any] | None = None,
            secrets: Items | None = None,
            stop_grace_period: int | float | str | None = None,
            stop_signal: str | None = None,
            sysctls: Mapping[str, str] | None = None,
            tty: bool | None = None,
            update_config: Mapping[str, Any] | None = None,
            user: str | int | tuple[int | str, int | str] | None = None,
            workdir: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def service_update(self, *args: Any, **options: Any) -> Future[Any]:
            """Replace a service's spec: `spec` (service_inspect's Spec) with service options
            laid over it; version is its Version.Index. rollback='previous' goes back to the
            previous spec instead. Returns {'Warnings'}.
            """

        @overload
        def services(
            self,
            *,
            filters: Filters | None = None,
            status: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def services(
            self,
            *,
            filters: Filters | None = None,
            status: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def services(self, *args: Any, **options: Any) -> Future[Any]:
            """List services (filters: id, label, mode, name); status=True adds ServiceStatus."""

        @overload
        def start(
            self,
            container: str,
            *,
            detach_keys: str | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def start(
            self,
            container: str,
            *,
            detach_keys: str | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def start(self, *args: Any, **options: Any) -> Future[Any]:
            """Start a container (NotModified if it runs already)."""

        @overload
        def stats(
            self,
            container: str,
            *,
            stream: bool | None = None,
            one_shot: bool | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def stats(
            self,
            container: str,
            *,
            stream: bool | None = None,
            one_shot: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def stats(
            self,
            container: str,
            *,
            stream: bool | None = None,
            one_shot: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[dict[str, Any]]: ...
        def stats(self, *args: Any, **options: Any) -> Future[Any]:
            """Resource usage: one sample, or with a subscriber a stream of samples as Data."""

        @overload
        def stop(
            self,
            container: str,
            t: int | None = None,
            *,
            signal: str | int | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def stop(
            self,
            container: str,
            t: int | None = None,
            *,
            signal: str | int | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def stop(self, *args: Any, **options: Any) -> Future[Any]:
            """Stop, killing after t seconds (NotModified if it is stopped already)."""

        @overload
        def swarm_init(
            self,
            *,
            listen_addr: str | None = None,
            advertise_addr: str | None = None,
            data_path_addr: str | None = None,
            data_path_port: int | None = None,
            default_addr_pool: str | Strings | None = None,
            subnet_size: int | None = None,
            force_new_cluster: bool | None = None,
            availability: Literal["active", "pause", "drain"] | None = None,
            spec: Any | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def swarm_init(
            self,
            *,
            listen_addr: str | None = None,
            advertise_addr: str | None = None,
            data_path_addr: str | None = None,
            data_path_port: int | None = None,
            default_addr_pool: str | Strings | None = None,
            subnet_size: int | None = None,
            force_new_cluster: bool | None = None,
            availability: Literal["active", "pause", "drain"] | None = None,
            spec: Any | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[str]: ...
        def swarm_init(self, *args: Any, **options: Any) -> Future[Any]:
            """Make this daemon the first manager of a new swarm; returns the node id. spec is a
            SwarmSpec ({'Orchestration', 'Raft', 'Dispatcher', 'CAConfig', 'EncryptionConfig',
            ...}): {'EncryptionConfig': {'AutoLockManagers': True}} locks managers with a key
            (swarm_unlockkey).
            """

        @overload
        def swarm_inspect(
            self,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def swarm_inspect(
            self,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def swarm_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """The swarm: {'ID', 'Version', 'Spec', 'JoinTokens', ...} (on a manager)."""

        @overload
        def swarm_join(
            self,
            remote_addrs: str | Strings,
            join_token: str,
            *,
            listen_addr: str | None = None,
            advertise_addr: str | None = None,
            data_path_addr: str | None = None,
            availability: Literal["active", "pause", "drain"] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def swarm_join(
            self,
            remote_addrs: str | Strings,
            join_token: str,
            *,
            listen_addr: str | None = None,
            advertise_addr: str | None = None,
            data_path_addr: str | None = None,
            availability: Literal["active", "pause", "drain"] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def swarm_join(self, *args: Any, **options: Any) -> Future[Any]:
            """Join a swarm as a worker or manager (which, the token says) through remote_addrs."""

        @overload
        def swarm_leave(
            self,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def swarm_leave(
            self,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def swarm_leave(self, *args: Any, **options: Any) -> Future[Any]:
            """Leave the swarm (a manager only with force=True)."""

        @overload
        def swarm_unlock(
            self,
            unlock_key: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def swarm_unlock(
            self,
            unlock_key: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def swarm_unlock(self, *args: Any, **options: Any) -> Future[Any]:
            """Unlock a locked manager with its unlock key."""

        @overload
        def swarm_unlockkey(
            self,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def swarm_unlockkey(
            self,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def swarm_unlockkey(self, *args: Any, **options: Any) -> Future[Any]:
            """The key that unlocks a locked manager: {'UnlockKey'}."""

        @overload
        def swarm_update(
            self,
            version: int,
            spec: Any,
            *,
            rotate_worker_token: bool | None = None,
            rotate_manager_token: bool | None = None,
            rotate_manager_unlock_key: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def swarm_update(
            self,
            version: int,
            spec: Any,
            *,
            rotate_worker_token: bool | None = None,
            rotate_manager_token: bool | None = None,
            rotate_manager_unlock_key: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def swarm_update(self, *args: Any, **options: Any) -> Future[Any]:
            """Replace the swarm's spec (version: its Version.Index, from swarm_inspect); rotate
            tokens or the unlock key.
            """

        @overload
        def system_df(
            self,
            *,
            type: Literal["container", "image", "volume", "build-cache"] | None = None,
            verbose: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def system_df(
            self,
            *,
            type: Literal["container", "image", "volume", "build-cache"] | None = None,
            verbose: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def system_df(self, *args: Any, **options: Any) -> Future[Any]:
            """Disk usage of images, containers, volumes and build cache."""

        @overload
        def tag(
            self,
            image: str,
            repo: str,
            tag: str | None = None,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def tag(
            self,
            image: str,
            repo: str,
            tag: str | None = None,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def tag(self, *args: Any, **options: Any) -> Future[Any]:
            """Tag an image as repo[:tag]."""

        @overload
        def task_inspect(
            self,
            task: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def task_inspect(
            self,
            task: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def task_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Inspect a task: its Status {'State', 'ContainerStatus', ...}, DesiredState,
            NodeID.
            """

        @overload
        def task_logs(
            self,
            task: str,
            *,
            details: bool | None = None,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            timeout: float | None = ...,
            subscriber: Subscriber,
            max_pending: int | None = None,
        ) -> Future[Ref]: ...
        @overload
        def task_logs(
            self,
            task: str,
            *,
            details: bool | None = None,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def task_logs(
            self,
            task: str,
            *,
            details: bool | None = None,
            follow: bool | None = None,
            stdout: bool | None = None,
            stderr: bool | None = None,
            since: TimeValue | None = None,
            timestamps: bool | None = None,
            tail: int | Literal["all"] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
            subscriber: None = None,
        ) -> Future[list[Output]]: ...
        def task_logs(self, *args: Any, **options: Any) -> Future[Any]:
            """A task's output: a list of Output, or with a subscriber (and follow) a stream."""

        @overload
        def tasks(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def tasks(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[list[dict[str, Any]]]: ...
        def tasks(self, *args: Any, **options: Any) -> Future[Any]:
            """List tasks (filters: desired-state, id, label, name, node, service)."""

        @overload
        def top(
            self,
            container: str,
            ps_args: str | None = None,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def top(
            self,
            container: str,
            ps_args: str | None = None,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def top(self, *args: Any, **options: Any) -> Future[Any]:
            """Processes running inside."""

        @overload
        def unpause(
            self,
            container: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def unpause(
            self,
            container: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def unpause(self, *args: Any, **options: Any) -> Future[Any]:
            """Resume all processes."""

        @overload
        def update(
            self,
            container: str,
            *,
            blkio_device_read_bps: Mapping[str, int] | Items | None = None,
            blkio_device_read_iops: Mapping[str, int] | Items | None = None,
            blkio_device_write_bps: Mapping[str, int] | Items | None = None,
            blkio_device_write_iops: Mapping[str, int] | Items | None = None,
            blkio_weight: int | None = None,
            blkio_weight_device: Mapping[str, int] | Items | None = None,
            cpu_period: int | None = None,
            cpu_quota: int | None = None,
            cpu_realtime_period: int | None = None,
            cpu_realtime_runtime: int | None = None,
            cpu_set: str | None = None,
            cpu_set_cpus: str | None = None,
            cpu_shares: int | None = None,
            cpus: float | None = None,
            cpuset_mems: str | None = None,
            extra: Mapping[str, Any] | None = None,
            memory: int | str | None = None,
            memory_reservation: int | str | None = None,
            memory_swap: int | str | None = None,
            pids_limit: int | None = None,
            restart: str | tuple[str, int] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def update(
            self,
            container: str,
            *,
            blkio_device_read_bps: Mapping[str, int] | Items | None = None,
            blkio_device_read_iops: Mapping[str, int] | Items | None = None,
            blkio_device_write_bps: Mapping[str, int] | Items | None = None,
            blkio_device_write_iops: Mapping[str, int] | Items | None = None,
            blkio_weight: int | None = None,
            blkio_weight_device: Mapping[str, int] | Items | None = None,
            cpu_period: int | None = None,
            cpu_quota: int | None = None,
            cpu_realtime_period: int | None = None,
            cpu_realtime_runtime: int | None = None,
            cpu_set: str | None = None,
            cpu_set_cpus: str | None = None,
            cpu_shares: int | None = None,
            cpus: float | None = None,
            cpuset_mems: str | None = None,
            extra: Mapping[str, Any] | None = None,
            memory: int | str | None = None,
            memory_reservation: int | str | None = None,
            memory_swap: int | str | None = None,
            pids_limit: int | None = None,
            restart: str | tuple[str, int] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def update(self, *args: Any, **options: Any) -> Future[Any]:
            """Change resources or the restart policy, given as create options:
            blkio_device_read_bps, blkio_device_read_iops, blkio_device_write_bps,
            blkio_device_write_iops, blkio_weight, blkio_weight_device, cpu_period, cpu_quota,
            cpu_realtime_period, cpu_realtime_runtime, cpu_set, cpu_set_cpus, cpu_shares,
            cpus, cpuset_mems, extra, memory, memory_reservation, memory_swap, pids_limit,
            restart. Returns {'Warnings'}.
            """

        @overload
        def version(
            self,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def version(
            self,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def version(self, *args: Any, **options: Any) -> Future[Any]:
            """The daemon's version information."""

        @overload
        def volume_create(
            self,
            name: str | None = None,
            *,
            driver: str | None = None,
            driver_opts: StrMap | None = None,
            labels: StrMap | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def volume_create(
            self,
            name: str | None = None,
            *,
            driver: str | None = None,
            driver_opts: StrMap | None = None,
            labels: StrMap | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def volume_create(self, *args: Any, **options: Any) -> Future[Any]:
            """Create a volume (named, or anonymous); returns its description."""

        @overload
        def volume_inspect(
            self,
            volume: str,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def volume_inspect(
            self,
            volume: str,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def volume_inspect(self, *args: Any, **options: Any) -> Future[Any]:
            """Inspect a volume."""

        @overload
        def volume_prune(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def volume_prune(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def volume_prune(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove unused volumes: {'VolumesDeleted', 'SpaceReclaimed'}."""

        @overload
        def volume_rm(
            self,
            volume: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def volume_rm(
            self,
            volume: str,
            *,
            force: bool | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def volume_rm(self, *args: Any, **options: Any) -> Future[Any]:
            """Remove a volume (Conflict while a container uses it)."""

        @overload
        def volume_update(
            self,
            volume: str,
            version: int,
            spec: Any,
            *,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def volume_update(
            self,
            volume: str,
            version: int,
            spec: Any,
            *,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[None]: ...
        def volume_update(self, *args: Any, **options: Any) -> Future[Any]:
            """Update a cluster volume (Swarm managers only): `spec` is its ClusterVolumeSpec,
            `version` the one its inspection shows (ClusterVolume.Version.Index).
            """

        @overload
        def volumes(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def volumes(
            self,
            *,
            filters: Filters | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def volumes(self, *args: Any, **options: Any) -> Future[Any]:
            """List volumes: {'Volumes', 'Warnings'}."""

        @overload
        def wait(
            self,
            container: str,
            *,
            condition: Literal["not-running", "next-exit", "removed"] | None = None,
            timeout: float | None = ...,
            reply_to: Subscriber,
        ) -> Future[Ref]: ...
        @overload
        def wait(
            self,
            container: str,
            *,
            condition: Literal["not-running", "next-exit", "removed"] | None = None,
            timeout: float | None = ...,
            reply_to: None = None,
        ) -> Future[dict[str, Any]]: ...
        def wait(self, *args: Any, **options: Any) -> Future[Any]:
            """Block until the container stops: {'StatusCode': ...}."""
