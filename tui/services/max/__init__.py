"""MAX, client side: the activity stream (posts, comments, likes, contexts) and its OAuth password grant.

The server imitation lives in `tui.sandbox.max`.
"""
