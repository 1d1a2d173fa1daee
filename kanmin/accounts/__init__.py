"""Users, their roles per municipality (Membership), API tokens, sign-in with lockout and TOTP.

May import ``kanmin.core`` only.
"""
