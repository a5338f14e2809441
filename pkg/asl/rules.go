package asl

import "sort"

// Rule describes one check of [Validate]: its stable ID, the severity of
// its findings and what it enforces.
type Rule struct {
	ID       string
	Severity Severity
	Summary  string
}

// rules is the table of every check; a finding's severity comes from it.
var rules = map[string]Rule{}

func rule(id string, sev Severity, summary string) string {
	rules[id] = Rule{ID: id, Severity: sev, Summary: summary}
	return id
}

// Rule IDs. They are stable: tools and tests match on them.
var (
	ruleSyntax         = rule("json-syntax", SeverityError, "the definition is not well-formed JSON")
	ruleTooLarge       = rule("definition-too-large", SeverityError, "a definition is at most 1,048,576 bytes (Step Functions quota)")
	ruleDuplicateKey   = rule("duplicate-key", SeverityError, "an object names a member twice (the first would be silently dropped)")
	ruleType           = rule("field-type", SeverityError, "a field has the wrong JSON type")
	ruleRequired       = rule("field-required", SeverityError, "a required field is missing")
	ruleUnknownField   = rule("field-unknown", SeverityError, "a field that Step Functions does not accept where it stands")
	ruleFieldLanguage  = rule("field-query-language", SeverityError, "a field of the other query language (InputPath, Parameters, ResultSelector, ResultPath, OutputPath, *Path fields and Variable are JSONPath only; Arguments, Output, Items and Condition JSONata only)")
	ruleExclusive      = rule("field-exclusive", SeverityError, "two fields that cannot be given together (such as TimeoutSeconds and TimeoutSecondsPath)")
	ruleValue          = rule("field-value", SeverityError, "a field's value is out of its allowed range or set")
	ruleQueryLanguage  = rule("query-language", SeverityError, "QueryLanguage is JSONPath or JSONata, and a state cannot use JSONPath when the state machine's QueryLanguage is JSONata")
	ruleVersion        = rule("version", SeverityError, "Version, when given, is \"1.0\"")
	ruleStatesEmpty    = rule("states-empty", SeverityError, "States has at least one state")
	ruleStartAt        = rule("start-at-unknown", SeverityError, "StartAt names a state of the same States object")
	ruleStateName      = rule("state-name", SeverityError, "a state name is 1 to 80 characters without control characters")
	ruleStateDuplicate = rule("state-name-duplicate", SeverityError, "state names are unique across the whole state machine, branches and item processors included")
	ruleStateType      = rule("state-type", SeverityError, "Type is one of Task, Pass, Choice, Wait, Succeed, Fail, Parallel, Map")
	ruleNextAndEnd     = rule("next-and-end", SeverityError, "a state has Next or \"End\": true, not both")
	ruleNoTransition   = rule("next-missing", SeverityError, "a non-terminal state other than Choice has Next or \"End\": true")
	ruleNextUnknown    = rule("next-unknown", SeverityError, "a transition (Next, Default, a Choice rule's or a Catcher's Next) names a state of the same States object")
	ruleScope          = rule("next-out-of-scope", SeverityError, "a transition cannot jump into or out of a Parallel branch or a Map item processor")
	ruleUnreachable    = rule("state-unreachable", SeverityError, "every state is reachable from its StartAt")
	ruleNoTerminal     = rule("no-terminal-state", SeverityError, "no path from StartAt reaches a terminal state (Succeed, Fail or End), so executions never end by themselves")
	ruleChoiceRule     = rule("choice-rule", SeverityError, "a Choice rule is a well-formed boolean expression: one comparison operator with Variable, or And/Or/Not; only top-level rules have Next")
	ruleChoiceValue    = rule("choice-value", SeverityError, "a comparison's value has the operator's type (string, number, boolean, RFC 3339 timestamp, or a reference path for *Path operators)")
	ruleChoiceNoDef    = rule("choice-no-default", SeverityWarning, "a Choice state without Default fails with States.NoChoiceMatched when no rule matches")
	ruleWait           = rule("wait-duration", SeverityError, "a Wait state has exactly one of Seconds, Timestamp, SecondsPath, TimestampPath (JSONata: Seconds or Timestamp)")
	ruleTimeout        = rule("timeout", SeverityError, "TimeoutSeconds and HeartbeatSeconds are positive integers up to 99,999,999, and HeartbeatSeconds is smaller than TimeoutSeconds")
	ruleRetrier        = rule("retrier", SeverityError, "a Retrier has a non-empty ErrorEquals and valid IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy")
	ruleCatcher        = rule("catcher", SeverityError, "a Catcher has a non-empty ErrorEquals and Next")
	ruleErrorsAll      = rule("errors-all", SeverityError, "States.ALL appears alone in its ErrorEquals, and only in the last Retrier or Catcher")
	ruleErrorName      = rule("error-name", SeverityWarning, "error names starting with \"States.\" are reserved: only the predefined ones match anything")
	ruleRetryUnreach   = rule("retrier-unreachable", SeverityWarning, "an error name already matched by an earlier Retrier or Catcher can never reach this one")
	ruleMap            = rule("map", SeverityError, "a Map state has one ItemProcessor (or deprecated Iterator) with a valid ProcessorConfig, and distributed-only fields only in DISTRIBUTED mode")
	ruleMapDeprecated  = rule("map-deprecated", SeverityWarning, "Iterator and Parameters of a Map state are deprecated: use ItemProcessor and ItemSelector")
	ruleLabel          = rule("map-label", SeverityError, "a Map Label is at most 40 characters, without white space or the characters ? \" # % \\ ^ | ~ ` $ & , ; : / < > { } [ ] * and controls")
	ruleExpress        = rule("express-integration", SeverityError, "Express workflows (a distributed Map's EXPRESS child executions) run no .sync or .waitForTaskToken integrations and no activities")
	ruleResource       = rule("task-resource", SeverityError, "a Task's Resource is an ARN (arn:partition:service:...)")
	ruleFail           = rule("fail", SeverityError, "a Fail state has at most one of Error and ErrorPath, and of Cause and CausePath")
	rulePath           = rule("path", SeverityError, "a Path (InputPath, OutputPath, ItemsPath, ...) is a JSONPath starting with $ or $$ (or a variable)")
	ruleRefPath        = rule("reference-path", SeverityError, "a Reference Path (ResultPath, Variable, *Path fields) points to one node: only .name, ['name'] and [index] after $, $$ or a variable")
	rulePayload        = rule("payload-template", SeverityError, "a field whose name ends in .$ (Parameters, ResultSelector, ItemSelector, Assign, ...) has a string value that is a path or an intrinsic function")
	ruleLiteralPath    = rule("payload-literal-path", SeverityWarning, "a string that looks like a path (\"$.x\") in a payload template is passed literally unless its field name ends in .$, and a {% %} string of a JSONPath state is passed literally")
	ruleIntrinsic      = rule("intrinsic-function", SeverityError, "an intrinsic function call is well-formed, names a known States.* function and has the right number and kinds of arguments")
	ruleAssign         = rule("assign", SeverityError, "Assign is an object of variable names (letters, digits and _ not starting with a digit, up to 80 characters, not \"states\")")
	ruleJSONata        = rule("jsonata", SeverityError, "a {% %} string is one well-formed JSONata 2.0 expression, with only what Step Functions supports")
	ruleJSONataStates  = rule("jsonata-states-variable", SeverityError, "$states has input, context, result and errorOutput; $states.result is available only in Output and Assign of Task, Parallel and Map states, $states.errorOutput only in a Catcher")
	ruleDollarSuffix   = rule("jsonata-dollar-field", SeverityError, "a JSONata state does not use field names ending in .$")
	ruleNotJSONata     = rule("jsonata-expected", SeverityError, "a JSONata field that takes a number, a boolean or a timestamp is given a {% %} expression or a value of that type")
)

// Rules returns every rule [Validate] checks, sorted by ID.
func Rules() []Rule {
	out := make([]Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
