"""The client side of the network: a connection loop run in a worker thread, and the IRC session."""
