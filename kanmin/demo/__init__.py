"""The top layer: builds the Miyakonojo demo through the apps' services."""
