"""The emulator's own error: the sandbox process could not be started, reached or configured."""


class SandboxError(Exception):
    """The local endpoint could not be started or reached; the message says what to do."""
