package instance

// InsufficientCapacity is the counter of unfillable offerings, for tests.
var InsufficientCapacity = insufficientCapacity
