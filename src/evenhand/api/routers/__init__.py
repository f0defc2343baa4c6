"""One router per resource; ``common`` holds what they share."""
