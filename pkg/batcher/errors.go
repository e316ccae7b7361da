package batcher

import "errors"

// errMissingResult is returned to a caller whose executor produced no result, a bug
// in the executor; it is better than blocking forever.
var errMissingResult = errors.New("batch executor returned no result for this request")
