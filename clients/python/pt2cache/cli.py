"""``python -m pt2cache``: look up, push, pull, list and invalidate artifacts from a shell.

The service and namespace come from ``--url``/``--namespace`` or ``PT2CACHE_URL``/
``PT2CACHE_NAMESPACE``. Answers are printed as JSON; errors go to stderr with the problem's type.
"""

import argparse
import http.client
import json
import math
import os
import signal
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from .client import CacheClient
from .directory import DirectoryEntries
from .errors import AccessDenied, CacheError, Conflict, NotFound, ServiceUnavailable
from .remote import service_key

KEY_ADDRESSED = ["fx-graph", "aot-autograd", "autotune", "bundled-autotune", "pgo"]


# EX_TEMPFAIL (sysexits.h): the same command may well succeed later, unchanged, so a script can
# tell what to retry from what to mend (2)
TRY_AGAIN = 75


class PartlyFailed(dict):
    """An answer printed as any other, from a command that failed for part of what it did (it
    said which on stderr): the exit status is 1."""


class Terminated(BaseException):
    """SIGTERM, raised where the command is, so that it ends as Ctrl-C does: a download's
    temporary file removed, an upload's file closed. Not an ``Exception``: nothing that handles
    a failure may take it for one."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    # SIGTERM's default ends the process at once, leaving a pull's partial temporary file beside
    # its destination for good (``timeout``, a CI job's limit and a pod's stop all send it); one
    # that the parent set to be ignored stays ignored
    previous = None
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _answer(args)
    except KeyboardInterrupt:  # Ctrl-C: a download's temporary file is removed on the way out
        print("pt2cache: interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT, as a shell reports a command that Ctrl-C ended
    except Terminated:
        print("pt2cache: terminated", file=sys.stderr)
        return 143  # 128 + SIGTERM
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _answer(args: argparse.Namespace) -> int:
    """Runs the command and prints its answer: the exit status."""
    try:
        client = CacheClient(args.url, args.namespace, timeout=args.timeout)
        result = args.run(client, args)
    except CacheError as e:
        print("pt2cache: %s%s" % (e, " [%s]" % e.slug if e.slug else ""), file=sys.stderr)
        return TRY_AGAIN if _passing(e) else 2
    except ImportError as e:
        print("pt2cache: --model reads this process's torch, which is not installed: %s" % e,
              file=sys.stderr)
        return 2
    except (OSError, ValueError, http.client.HTTPException) as e:  # a body cut short, say
        print("pt2cache: %s" % e, file=sys.stderr)
        return 2
    return _print(result)


def _passing(e: CacheError) -> bool:
    """A failure that asking again later may end: the service unreachable or overloaded (no
    answer, 502/503/504, after the client's retries), the caller over its rate (429), a body that
    stopped arriving (408), another node's upload holding the key for now. Not a 500, which says
    the service failed at the request itself, nor anything the request must change."""
    if isinstance(e, ServiceUnavailable) and e.status in (None, 502, 503, 504):
        return True
    return e.status in (408, 429) or e.slug == "upload-in-flight"


def _print(result: Any) -> int:
    """Prints the answer. A reader that went away (``pt2cache ls | head -1``) ends the command
    quietly with 141, as the shell reports ``cat`` or ``grep`` ended by SIGPIPE there: not 0,
    since the answer was not all delivered (``set -o pipefail`` sees it as with those tools),
    and not 2, which says the service or the request failed."""
    try:
        if result is not None:
            json.dump(result, sys.stdout, indent=2)
            print()
        sys.stdout.flush()  # a closed pipe raises here, not at exit, where Python reports it
    except BrokenPipeError:
        # what is still buffered goes nowhere, rather than fail again when Python exits
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 1 if isinstance(result, PartlyFailed) else 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pt2cache", description=__doc__.split("\n")[0])
    _global_args(p, os.environ.get("PT2CACHE_URL", "http://localhost:8080"),
                 os.environ.get("PT2CACHE_NAMESPACE", "default"), 60.0)
    # the same options after the subcommand (``invalidate --namespace vision``); their defaults
    # are SUPPRESS, so that one given before the subcommand is not overwritten by a default
    after = argparse.ArgumentParser(add_help=False)
    _global_args(after, argparse.SUPPRESS, argparse.SUPPRESS, argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[after])

    c = command("lookup", help="ask whether an identical node already compiled this")
    _descriptor_args(c)
    c.set_defaults(run=_lookup)

    c = command("push", help="upload a file (streamed)")
    c.add_argument("file")
    _descriptor_args(c, required=False)
    c.add_argument("--key", help="PyTorch's key, for key-addressed kinds")
    c.set_defaults(run=_push)

    c = command("pull", help="download verified, written atomically")
    c.add_argument("-o", "--output", required=True, help="the file to write (not a directory)")
    c.add_argument("--id", help="the artifact's id")
    c.add_argument("--key", help="a key-addressed entry's key, with its --kind (such as fx-graph: "
                                 "the default, mega-cache, has no keys)")
    _descriptor_args(c, required=False)
    c.set_defaults(run=_pull)

    c = command("ls", help="list artifacts, newest first")
    for name in ("kind", "state", "key") + _DESCRIPTOR_MEMBERS:
        c.add_argument("--" + name)
    c.add_argument("--tag", action="append", help="name:value, repeatable")
    c.add_argument("--reported", action="store_true",
                   help="only artifacts that some node reported as failing")
    c.add_argument("--limit", type=_positive(int), default=50)
    c.set_defaults(run=_ls)

    c = command("invalidate", help="retire every artifact a selector matches")
    c.add_argument("--reason", required=True)
    c.add_argument("--id", action="append", dest="ids")
    for name in ("kind", "key", "sha256") + _DESCRIPTOR_MEMBERS:
        c.add_argument("--" + name)
    c.add_argument("--tag", action="append", help="hardware tag name:value, repeatable")
    c.add_argument("--block", action="store_true", help="keep refusing matching uploads")
    c.add_argument("--expires-at", help="when a blocking rule ends (ISO 8601)")
    c.set_defaults(run=_invalidate)

    c = command("report", help="say that an artifact failed this node")
    c.add_argument("id", help="the artifact's id")
    c.add_argument("--problem", required=True, choices=["load-failed", "wrong-output", "other"])
    c.add_argument("--detail", help="what went wrong, such as the exception")
    c.add_argument("--node", help="this node's name (default: PT2CACHE_NODE, or the host name)")
    c.set_defaults(run=_report)

    c = command("reports", help="what nodes reported about an artifact")
    c.add_argument("id", help="the artifact's id")
    c.add_argument("--limit", type=_positive(int), default=50)
    c.add_argument("--clear", action="store_true",
                   help="delete the artifact's reports (admin), once they proved to be the nodes' fault")
    c.set_defaults(run=_reports)

    c = command("mirror", help="copy the namespace's PyTorch cache entries to a directory")
    c.add_argument("directory")
    c.add_argument("--kind", action="append", choices=KEY_ADDRESSED)
    c.set_defaults(run=_mirror)

    c = command("seed", help="upload the entries of a directory made by mirror or recorded")
    c.add_argument("directory")
    c.set_defaults(run=_seed)
    return p


def _global_args(p: argparse.ArgumentParser, url: Any, namespace: Any, timeout: Any) -> None:
    p.add_argument("--url", default=url,
                   help="the service (default: PT2CACHE_URL, else http://localhost:8080)")
    p.add_argument("--namespace", default=namespace,
                   help="default: PT2CACHE_NAMESPACE, else 'default'")
    p.add_argument("--timeout", type=_positive(float), default=timeout,
                   help="seconds each socket operation (connecting, one read) may wait (default "
                        "60); a request is retried, so a service that does not answer holds a "
                        "command for several times this")


def _positive(cast: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type: the number, refused unless above 0 and finite (a timeout of 0 would fail
    every call at once, and a negative one fail deep in the socket module)."""
    def positive(text: str) -> Any:
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError("not a number: %r" % text) from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError("must be a number above 0, not %s" % text)
        return value

    return positive


def _descriptor_args(c: argparse.ArgumentParser, required: bool = True) -> None:
    c.add_argument("--kind", default="mega-cache", help="default: mega-cache")
    source = c.add_mutually_exclusive_group(required=required)
    source.add_argument("--descriptor", help="a JSON file with the descriptor ('-' for stdin)")
    source.add_argument("--model", help="model name; the rest is read from this process's torch")
    c.add_argument("--model-version", default="1")
    c.add_argument("--mode")


def _descriptor(args: argparse.Namespace) -> Optional[Dict[str, Any]]:
    if getattr(args, "descriptor", None):
        if args.descriptor == "-":
            return json.load(sys.stdin)
        with open(args.descriptor) as f:
            return json.load(f)
    if getattr(args, "model", None):
        from .environment import describe

        return describe(args.model, args.model_version, mode=args.mode)
    return None


def _lookup(client: CacheClient, args: argparse.Namespace) -> Any:
    return client.lookup(args.kind, _descriptor(args))


def _push(client: CacheClient, args: argparse.Namespace) -> Any:
    return client.upload(args.kind, args.file, descriptor=_descriptor(args), key=args.key)


def _pull(client: CacheClient, args: argparse.Namespace) -> Any:
    """Refuses what it can before asking: a download that fails only once read whole would
    still have counted as a hit, and a lookup without a descriptor is the service's to refuse
    in terms of its API, not of these options."""
    if os.path.isdir(args.output):
        raise ValueError("-o %s is a directory: name the file to write" % args.output)
    if not (args.id or args.key or args.descriptor or args.model):
        raise ValueError("pull needs what to download: give --id, --key (with --kind), "
                         "--descriptor or --model")
    if args.id:
        artifact = client.artifact(args.id)
    elif args.key:
        path = client.download_entry(args.kind, args.key, args.output)
        if path is None:
            raise CacheError("no %s entry under %s" % (args.kind, args.key), 404)
        return {"kind": args.kind, "key": args.key, "sizeBytes": os.path.getsize(path),
                "path": path}
    else:
        answer = client.lookup(args.kind, _descriptor(args))
        if not answer.get("hit"):
            raise CacheError("miss: %s" % (answer.get("miss") or {}).get("detail"), 404)
        artifact = answer["artifact"]
    path = client.download(artifact, args.output)
    return {"id": artifact["id"], "sha256": artifact["sha256"], "sizeBytes": artifact["sizeBytes"],
            "path": path}


# the descriptor's members that a listing filters by and a selector selects by, as options;
# each is sent as the service names it (model-fingerprint as modelFingerprint)
_DESCRIPTOR_MEMBERS = ("model-name", "model-version", "model-fingerprint", "torch", "triton",
                       "cuda", "rocm", "python", "gpu", "capability")


def _descriptor_members(args: argparse.Namespace) -> Dict[str, Any]:
    def wire(option: str) -> str:
        first, *rest = option.split("-")
        return first + "".join(word.capitalize() for word in rest)
    return {wire(name): getattr(args, name.replace("-", "_")) for name in _DESCRIPTOR_MEMBERS}


def _ls(client: CacheClient, args: argparse.Namespace) -> Any:
    filters = dict(_descriptor_members(args), kind=args.kind, state=args.state, key=args.key,
                   tag=args.tag, reported=True if args.reported else None)
    items = []
    # one more than the limit is asked for, so that a list cut short says so
    for artifact in client.artifacts(limit=min(args.limit + 1, 500), **filters):
        if len(items) == args.limit:
            print("pt2cache: more artifacts match than the %d listed; --limit N to see more"
                  % args.limit, file=sys.stderr)
            break
        items.append(artifact)
    return items


def _invalidate(client: CacheClient, args: argparse.Namespace) -> Any:
    """Says on stderr when nothing matched: with a wrong namespace, a misspelt model or a
    shortened version (``--torch 2.11`` for nodes on ``2.11.0+cu130``), 0 invalidated looks like
    success, and a blocking rule made so refuses none of the uploads it was meant for (the exit
    status stays 0: it did what it was asked; a rule for a build not seen yet is made this way
    on purpose)."""
    if args.expires_at is not None and not args.block:
        raise ValueError("--expires-at says when a blocking rule ends: give --block too (without "
                         "it, what matches is retired now, and nothing is left to expire)")
    selector = dict(_descriptor_members(args), artifactIds=args.ids, kind=args.kind, key=args.key,
                    sha256=args.sha256)
    if args.tag:
        selector["tags"] = dict(_tag(t) for t in args.tag)
    # a member given empty (an unset variable) is sent and refused, never dropped: dropped, it
    # would widen the selector to every model, or every torch
    selector = {k: v for k, v in selector.items() if v is not None}
    answer = client.invalidate(selector, args.reason, block=args.block,
                               expires_at=args.expires_at)
    if answer.get("invalidated") == 0:
        print("pt2cache: nothing in namespace %r matches: 0 artifacts invalidated%s; each member"
              " is compared exactly (torch '2.11' does not select '2.11.0+cu130')"
              % (client.namespace, "; the rule refuses only uploads that match it exactly"
                 if answer.get("blocking") else ""), file=sys.stderr)
    return answer


def _tag(text: str) -> Tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name:
        raise ValueError("--tag takes name:value, not %r" % text)
    return name, value


def _report(client: CacheClient, args: argparse.Namespace) -> Any:
    from .megacache import node_name

    return client.report(args.id, args.problem, detail=args.detail, node=args.node or node_name())


def _reports(client: CacheClient, args: argparse.Namespace) -> Any:
    if args.clear:
        return client.clear_reports(args.id)
    return client.reports(args.id, limit=min(args.limit, 1000))


def _mirror(client: CacheClient, args: argparse.Namespace) -> Any:
    """Copies what the directory lacks, with each entry's descriptor. An entry already there is
    not read again: every read is a hit, which would keep the whole namespace from its idle
    limit and muddle the order in which a quota evicts. Each entry is streamed to a file (they
    can be large), then adopted into place: one another process put there meanwhile stays."""
    if os.path.exists(args.directory) and not os.path.isdir(args.directory):
        raise ValueError("%s is a file, not a directory" % args.directory)
    store = DirectoryEntries(args.directory)
    copied = present = 0
    for kind in args.kind or KEY_ADDRESSED:
        for artifact in client.artifacts(kind=kind, state="ready"):
            key = artifact["key"]
            if store.has_entry(kind, key):
                present += 1
                continue
            incoming = store.incoming_path(kind)
            try:
                if client.download_entry(kind, key, incoming) is None:
                    continue  # retired since it was listed
                if store.adopt_entry(kind, key, incoming, descriptor=artifact.get("descriptor")):
                    copied += 1
                else:
                    present += 1
            finally:
                if os.path.exists(incoming):  # a miss, or a download that failed
                    os.unlink(incoming)
    # a namespace without entries mirrors to an empty directory, which seed takes (it refuses
    # a directory that is not there)
    os.makedirs(args.directory, exist_ok=True)
    return {"directory": args.directory, "entries": copied, "alreadyPresent": present}


def _seed(client: CacheClient, args: argparse.Namespace) -> Any:
    """Uploads each entry with the descriptor it was stored with, so that invalidations and
    blocking rules by model, torch or GPU reach it as they reached the original.

    An entry that cannot be sent (the service refuses it, its file or descriptor is unreadable,
    a stray file) is named on stderr and counted as failed, and the others are still sent; the
    exit status is then 1. What would fail every entry alike (the service unreachable, the token
    refused, no such namespace) stops it at once."""
    if not os.path.isdir(args.directory):
        # a misspelt directory would otherwise seed nothing, and say so as a success
        raise ValueError("%s is not a directory" % args.directory)
    store = DirectoryEntries(args.directory)
    stored = kept = unreadable = failed = 0
    for kind, key in store.entries():
        path = os.path.join(args.directory, kind, key)
        if service_key(key) != key:
            print("pt2cache: not seeded: %s: not an entry (mirror names each file by its key)"
                  % path, file=sys.stderr)
            failed += 1
            continue
        try:
            descriptor = store.descriptor(kind, key)
        except ValueError as e:
            # sent without it, the entry would escape invalidations by model, torch or GPU
            print("pt2cache: not seeded: %s" % e, file=sys.stderr)
            unreadable += 1
            continue
        try:
            client.put_entry(kind, key, store.read_entry(kind, key), descriptor=descriptor)
            stored += 1
        except FileNotFoundError:
            pass  # gone since it was listed: nothing to upload
        except Conflict as e:
            if e.slug != "key-conflict":  # blocked by a rule, or an upload in flight: not sent
                print("pt2cache: not seeded: %s: %s [%s]" % (path, e, e.slug), file=sys.stderr)
                failed += 1
            else:
                kept += 1  # the service holds other bytes under the key: the first writer's stay
        except (ServiceUnavailable, AccessDenied, NotFound):
            raise  # not this entry's fault (a PUT finds no entry missing): every one would fail
        except (CacheError, OSError, ValueError) as e:
            print("pt2cache: not seeded: %s: %s" % (path, e), file=sys.stderr)
            failed += 1
    summary = {"directory": args.directory, "entries": stored, "conflicts": kept,
               "failed": failed + unreadable, "unreadableDescriptors": unreadable}
    return PartlyFailed(summary) if failed + unreadable else summary
