package catalog

import "math"

// keyIndex finds repeated mapping keys as the npm yaml package does: two
// keys are the same when they have the same type and value (1 and "1" are
// not). Decode builds one only for a mapping in which two keys have the
// same string form, so most mappings never need it; with it, checking a
// mapping of n keys takes n steps, however hostile the keys (comparing
// each key with every earlier one took n² steps, and a file of 48,000
// keys in pairs like 1 and '1' minutes).
type keyIndex map[keyID]int

// keyID is a key as keyIndex compares it: its string form and its type.
type keyID struct {
	form string
	kind byte // 's' string, 'n' number, 'b' boolean, 'z' null
}

// add records a key with string form form, value v (a string, number,
// boolean or null) standing at line. When an equal key came before, it
// returns that key's line and true. NaN equals nothing, as in JavaScript.
func (x keyIndex) add(form string, v any, line int) (first int, repeated bool) {
	id := keyID{form: form}
	switch v := v.(type) {
	case string:
		id.kind = 's'
	case float64:
		if math.IsNaN(v) {
			return 0, false
		}
		id.kind = 'n'
	case bool:
		id.kind = 'b'
	case nil:
		id.kind = 'z'
	default:
		return 0, false // a collection: never compared
	}
	if first, ok := x[id]; ok {
		return first, true
	}
	x[id] = line
	return 0, false
}
