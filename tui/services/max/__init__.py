"""MAX: the activity stream (posts, comments, likes, contexts), its OAuth password grant, and its sandbox."""
