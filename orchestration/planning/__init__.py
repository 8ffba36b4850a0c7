"""Planning decisions on top of the risk marts: the buffer budget allocation."""
