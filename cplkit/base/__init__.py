"""Small helpers every layer outside the core shares: bundled data files, the one hardened XML
parser, the one digest helper, atomic writes and the shell of every HTML document.

Nothing here knows about CPL entries or rules; it imports nothing else from cplkit but
``cplkit.errors``.
"""
