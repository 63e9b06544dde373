"""The offline sandbox: moto's server plus the kit's extensions, on 127.0.0.1.

``process`` starts and stops the detached server; ``serve`` is what runs inside it; ``services``
holds one module per extended AWS service, laid out like moto's own.
"""
