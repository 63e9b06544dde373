"""A bare git repository on disk, driven through git's plumbing commands (no working tree).

This is what makes the sandbox's CodeCommit real: commits made through the API are ordinary git
commits, so ``git clone`` sees them and a CodeBuild source is a real checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


class GitCommandError(RuntimeError):
    pass


@dataclass(frozen=True)
class TreeEntry:
    mode: str  # git's octal mode, e.g. "100644"
    kind: str  # "blob", "tree" or "commit" (submodule)
    sha: str
    path: str  # path relative to the folder that was listed


@dataclass(frozen=True)
class FileChange:
    path: str
    mode: str
    blob: str | None  # None: delete


@dataclass(frozen=True)
class CommitResult:
    commit: str
    tree: str
    added: list[TreeEntry]
    updated: list[TreeEntry]
    deleted: list[TreeEntry]


class BareRepository:
    def __init__(self, path: Path) -> None:
        self.path = path

    # -- plumbing ---------------------------------------------------------------------------
    def git(
        self, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, check: bool = True
    ) -> bytes:
        full_env = {**os.environ, **_GIT_ENV, **(env or {})}
        result = subprocess.run(
            ["git", "--git-dir", str(self.path), *args], input=input, capture_output=True, env=full_env
        )
        if check and result.returncode != 0:
            raise GitCommandError(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace').strip()}")
        return result.stdout

    def _text(self, *args: str, **kwargs: object) -> str:
        return self.git(*args, **kwargs).decode().strip()  # type: ignore[arg-type]

    # -- repository ---------------------------------------------------------------------------
    def init(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "init", "--bare", "--quiet", str(self.path)],
            check=True,
            env={**os.environ, **_GIT_ENV},
            capture_output=True,
        )
        self.git("config", "http.receivepack", "true")

    def destroy(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    # -- refs -----------------------------------------------------------------------------------
    def branches(self) -> dict[str, str]:
        out = self._text("for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/heads/")
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def branch_commit(self, branch: str) -> str | None:
        out = self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False)
        return out.decode().strip() or None

    def is_valid_branch_name(self, branch: str) -> bool:
        result = subprocess.run(["git", "check-ref-format", f"refs/heads/{branch}"], capture_output=True)
        return result.returncode == 0 and not branch.startswith("-")

    def set_branch(self, branch: str, commit: str, expected_old: str | None = None) -> None:
        args = ["update-ref", f"refs/heads/{branch}", commit]
        if expected_old is not None:
            args.append(expected_old)
        self.git(*args)

    def delete_branch(self, branch: str) -> None:
        self.git("update-ref", "-d", f"refs/heads/{branch}")

    def default_branch(self) -> str | None:
        head = self.git("symbolic-ref", "--quiet", "HEAD", check=False).decode().strip()
        name = head.removeprefix("refs/heads/")
        return name if head and self.branch_commit(name) else None

    def set_default_branch(self, branch: str) -> None:
        self.git("symbolic-ref", "HEAD", f"refs/heads/{branch}")

    def resolve_commit(self, specifier: str | None) -> str | None:
        """A branch name, a tag, HEAD or a full commit id, as CodeCommit's commitSpecifier."""
        candidates = [f"refs/heads/{specifier}", specifier] if specifier else ["HEAD"]
        for candidate in candidates:
            out = self.git(
                "rev-parse", "--verify", "--quiet", "--end-of-options", f"{candidate}^{{commit}}", check=False
            )
            if out.strip():
                return out.decode().strip()
        return None

    def is_commit(self, sha: str) -> bool:
        return self.git("cat-file", "-t", sha, check=False).decode().strip() == "commit"

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        full_env = {**os.environ, **_GIT_ENV}
        result = subprocess.run(
            ["git", "--git-dir", str(self.path), "merge-base", "--is-ancestor", ancestor, descendant],
            capture_output=True,
            env=full_env,
        )
        return result.returncode == 0

    # -- objects ----------------------------------------------------------------------------------
    def tree_of(self, commit: str) -> str:
        return self._text("rev-parse", f"{commit}^{{tree}}")

    def entry(self, commit: str, path: str) -> TreeEntry | None:
        out = self.git("ls-tree", "-z", "--full-tree", commit, "--", path.strip("/"))
        for record in out.split(b"\0"):
            if record:
                meta, name = record.decode().split("\t", 1)
                mode, kind, sha = meta.split()
                if name == path.strip("/"):
                    return TreeEntry(mode, kind, sha, name)
        return None

    def folder(self, commit: str, folder: str) -> tuple[str, list[TreeEntry]] | None:
        folder = folder.strip("/")
        if folder:
            found = self.entry(commit, folder)
            if found is None or found.kind != "tree":
                return None
            tree = found.sha
        else:
            tree = self.tree_of(commit)
        out = self.git("ls-tree", "-z", tree)
        entries = []
        for record in out.split(b"\0"):
            if record:
                meta, name = record.decode().split("\t", 1)
                mode, kind, sha = meta.split()
                entries.append(TreeEntry(mode, kind, sha, name))
        return tree, entries

    def all_files(self, commit: str) -> dict[str, TreeEntry]:
        out = self.git("ls-tree", "-r", "-z", "--full-tree", commit)
        files = {}
        for record in out.split(b"\0"):
            if record:
                meta, name = record.decode().split("\t", 1)
                mode, kind, sha = meta.split()
                files[name] = TreeEntry(mode, kind, sha, name)
        return files

    def read_blob(self, sha: str) -> bytes:
        return self.git("cat-file", "blob", sha)

    def write_blob(self, content: bytes) -> str:
        return self.git("hash-object", "-w", "--stdin", input=content).decode().strip()

    def commit_info(self, sha: str) -> dict[str, Any]:
        fmt = "%H%x00%T%x00%P%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%B"
        out = self.git("show", "-s", "--date=raw", f"--format={fmt}", sha).decode()
        commit, tree, parents, an, ae, ad, cn, ce, cd, message = out.split("\0", 9)
        return {
            "commitId": commit,
            "treeId": tree,
            "parents": parents.split(),
            "message": message.rstrip("\n"),
            "author": {"name": an, "email": ae, "date": ad},
            "committer": {"name": cn, "email": ce, "date": cd},
            "additionalData": "",
        }

    def commit_changes(
        self, parent: str | None, changes: list[FileChange], *, author: str, email: str, message: str
    ) -> CommitResult:
        """Apply ``changes`` on top of ``parent`` and write a commit (the branch is not moved)."""
        before = self.all_files(parent) if parent else {}
        fd, index_file = tempfile.mkstemp(prefix="index-", dir=self.path)
        os.close(fd)
        os.unlink(index_file)
        env = {"GIT_INDEX_FILE": index_file}
        try:
            self.git("read-tree", parent or "--empty", env=env)
            lines = []
            added: list[TreeEntry] = []
            updated: list[TreeEntry] = []
            deleted: list[TreeEntry] = []
            for change in changes:
                if change.blob is None:
                    lines.append(f"0 {'0' * 40}\t{change.path}")
                    deleted.append(before[change.path])
                else:
                    lines.append(f"{change.mode} {change.blob}\t{change.path}")
                    entry = TreeEntry(change.mode, "blob", change.blob, change.path)
                    (updated if change.path in before else added).append(entry)
            if lines:
                self.git("update-index", "--index-info", input=("\n".join(lines) + "\n").encode(), env=env)
            tree = self._text("write-tree", env=env)
        finally:
            Path(index_file).unlink(missing_ok=True)
        ident = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
        }
        args = ["commit-tree", tree, "-m", message or "Commit made through the CodeCommit API"]
        if parent:
            args[2:2] = ["-p", parent]
        commit = self._text(*args, env=ident)
        return CommitResult(commit, tree, added, updated, deleted)

    def diff(self, before: str | None, after: str) -> list[tuple[str, TreeEntry | None, TreeEntry | None]]:
        """(changeType A/M/D, before blob, after blob) for every file that differs."""
        old = self.all_files(before) if before else {}
        new = self.all_files(after)
        changes: list[tuple[str, TreeEntry | None, TreeEntry | None]] = []
        for path in sorted(set(old) | set(new)):
            a, b = old.get(path), new.get(path)
            if a is None:
                changes.append(("A", None, b))
            elif b is None:
                changes.append(("D", a, None))
            elif (a.sha, a.mode) != (b.sha, b.mode):
                changes.append(("M", a, b))
        return changes
