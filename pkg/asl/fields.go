package asl

// fieldClass says where a field may stand.
type fieldClass uint8

const (
	fieldUnknown  fieldClass = iota // not accepted here
	fieldAny                        // accepted in both query languages
	fieldJSONPath                   // accepted in JSONPath states only
	fieldJSONata                    // accepted in JSONata states only
)

// jsonPathOnly are the fields of JSONPath states that JSONata states
// replace with Arguments, Output and Items.
var jsonPathOnly = set("InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result",
	"ItemsPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath",
	"ErrorPath", "CausePath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath",
	"MaxItemsPath", "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath")

var jsonataOnly = set("Arguments", "Output", "Items")

// stateFields lists the fields of each state type, beside Type, Comment
// and QueryLanguage, in both languages.
var stateFields = map[string]map[string]bool{
	"Pass": set("Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result", "Assign", "Output"),
	"Task": set("Next", "End", "Resource", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
		"Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
		"Credentials", "Assign", "Arguments", "Output"),
	"Choice":  set("Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"),
	"Wait":    set("Next", "End", "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "InputPath", "OutputPath", "Assign", "Output"),
	"Succeed": set("InputPath", "OutputPath", "Output"),
	"Fail":    set("Error", "ErrorPath", "Cause", "CausePath"),
	"Parallel": set("Branches", "Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
		"Retry", "Catch", "Assign", "Arguments", "Output"),
	"Map": set("ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector", "Parameters", "ItemReader", "ItemBatcher",
		"ResultWriter", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
		"ToleratedFailureCount", "ToleratedFailureCountPath", "Label", "Next", "End", "InputPath", "OutputPath",
		"ResultSelector", "ResultPath", "Retry", "Catch", "Assign", "Output"),
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// classify returns the class of field k among the fields allowed.
func classify(allowed map[string]bool, k string) fieldClass {
	if !allowed[k] {
		return fieldUnknown
	}
	switch {
	case jsonPathOnly[k]:
		return fieldJSONPath
	case jsonataOnly[k]:
		return fieldJSONata
	}
	return fieldAny
}

// fields reports the members of obj that classify rejects outright or in
// query language ql. what names the object in messages.
func (c *checker) fields(obj *Value, ptr, what string, classify func(string) fieldClass, ql QueryLanguage) {
	for i := range obj.Members {
		m := &obj.Members[i]
		switch classify(m.Key) {
		case fieldUnknown:
			c.add(ruleUnknownField, ptr, m, "%s has no field %q", what, clip(m.Key))
		case fieldJSONPath:
			if ql == JSONata {
				c.add(ruleFieldLanguage, ptr, m, "%s is a JSONPath field; this state's QueryLanguage is JSONata (use %s)", m.Key, jsonataEquivalent(m.Key))
			}
		case fieldJSONata:
			if ql != JSONata {
				c.add(ruleFieldLanguage, ptr, m, "%s is a JSONata field; this state's QueryLanguage is JSONPath (set \"QueryLanguage\": \"JSONata\" to use it)", m.Key)
			}
		}
	}
}

func jsonataEquivalent(k string) string {
	switch k {
	case "InputPath", "Parameters":
		return "Arguments"
	case "ResultSelector", "ResultPath", "OutputPath", "Result":
		return "Output (and Assign)"
	case "ItemsPath":
		return "Items"
	}
	if len(k) > 4 && k[len(k)-4:] == "Path" {
		return k[:len(k)-4] + " with a {% %} expression"
	}
	return "its JSONata counterpart"
}
