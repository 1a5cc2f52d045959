"""What every layer of eakte may import; it imports nothing of the project itself."""
