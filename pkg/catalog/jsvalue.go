package catalog

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

func mathInf(sign int) float64 { return math.Inf(sign) }
func mathNaN() float64         { return math.NaN() }

// jsType names a JSON-shaped value's type the way Backstage's messages do.
func jsType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	}
	return "object"
}

// jsString converts a value to a string as JavaScript's String() does, which
// is how the npm yaml package turns a non-string mapping key into an object
// key; collections are written in YAML flow style as that package does.
func jsString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case float64:
		return jsNumber(v)
	case []any:
		if len(v) == 0 {
			return "[]"
		}
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = jsFlow(x)
		}
		return "[ " + strings.Join(parts, ", ") + " ]"
	case map[string]any:
		if len(v) == 0 {
			return "{}"
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + jsFlow(v[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return ""
}

func jsFlow(v any) string {
	if v == nil {
		return "null"
	}
	return jsString(v)
}

// jsNumber formats a float64 as JavaScript's Number.prototype.toString does.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e+21 / e-07; JavaScript writes e+21 / e-7.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + exp
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseTimestamp reads a timestamp as the npm yaml package does and
// returns it as the catalog sees it: the package reads a JavaScript Date,
// and its toJSON turns that into an ISO string in UTC.
func parseTimestamp(s string) (string, bool) {
	if !scalarTypes().timestampRE.MatchString(s) {
		return "", false
	}
	layouts := []string{
		"2006-1-2",
		"2006-1-2T15:04:05.999999999Z07:00",
		"2006-1-2t15:04:05.999999999Z07:00",
		"2006-1-2 15:04:05.999999999Z07:00",
		"2006-1-2 15:04:05.999999999 Z07:00",
		"2006-1-2T15:04:05.999999999 Z07:00",
		"2006-1-2T15:04:05.999999999",
		"2006-1-2t15:04:05.999999999",
		"2006-1-2 15:04:05.999999999",
		"2006-1-2 15:04:05.999999999 -7",
		"2006-1-2T15:04:05.999999999-7",
		"2006-1-2 15:04:05.999999999-7",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05.000Z"), true
		}
	}
	// Forms Go's layouts do not cover (tabs, a one-digit hour): still a
	// Date in JavaScript, and so a string.
	return s, true
}
