package asl

import (
	"strconv"
	"strings"
)

// predefinedErrors are the error names of the States. namespace that
// Step Functions raises.
var predefinedErrors = set("States.ALL", "States.DataLimitExceeded", "States.ExceedToleratedFailureThreshold",
	"States.HeartbeatTimeout", "States.Http.Socket", "States.IntrinsicFailure", "States.ItemReaderFailed",
	"States.NoChoiceMatched", "States.ParameterPathFailure", "States.Permissions", "States.QueryEvaluationError",
	"States.ResultPathMatchFailure", "States.ResultWriterFailed", "States.Runtime", "States.TaskFailed",
	"States.Timeout", "States.BranchFailed")

// maxRetryDelay is the bound of MaxDelaySeconds (exclusive), a year.
const maxRetryDelay = 31622400

// retry checks a Retry array.
func (c *checker) retry(m *Member, parent string) {
	ptr := parent + "/Retry"
	if m.Value.Kind != Array {
		c.typeErr(m, parent, Array)
		return
	}
	seen := map[string]bool{}
	for i, r := range m.Value.Items {
		rptr := ptr + "/" + strconv.Itoa(i)
		if r.Kind != Object {
			c.addAt(ruleRetrier, rptr, r.Offset, "a Retrier is an object, not %s", an(r.Kind))
			continue
		}
		c.fields(r, rptr, "a Retrier", func(k string) fieldClass {
			switch k {
			case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
				return fieldAny
			}
			return fieldUnknown
		}, JSONPath)
		c.errorEquals(r, rptr, "Retrier", i == len(m.Value.Items)-1, seen)
		if f := r.member("IntervalSeconds"); f != nil {
			c.intField(f, rptr, JSONPath, 1, maxSeconds)
		}
		if f := r.member("MaxAttempts"); f != nil {
			c.intField(f, rptr, JSONPath, 0, maxSeconds)
		}
		if f := r.member("MaxDelaySeconds"); f != nil {
			c.intField(f, rptr, JSONPath, 1, maxRetryDelay-1)
		}
		if f := r.member("BackoffRate"); f != nil {
			if x, ok := f.Value.Float(); !ok {
				c.typeErr(f, rptr, Number)
			} else if x < 1 {
				c.add(ruleRetrier, rptr, f, "BackoffRate is %s; it must be at least 1.0", f.Value.Str)
			}
		}
		if f := c.stringField(r, rptr, "JitterStrategy", false); f != nil && f.Value.Str != "FULL" && f.Value.Str != "NONE" {
			c.add(ruleRetrier, rptr, f, "JitterStrategy is FULL or NONE, not %q", clip(f.Value.Str))
		}
		c.stringField(r, rptr, "Comment", false)
	}
}

// catch checks a Catch array.
func (c *checker) catch(m *Member, parent string, ql QueryLanguage, b *Branch) {
	ptr := parent + "/Catch"
	if m.Value.Kind != Array {
		c.typeErr(m, parent, Array)
		return
	}
	seen := map[string]bool{}
	for i, r := range m.Value.Items {
		rptr := ptr + "/" + strconv.Itoa(i)
		if r.Kind != Object {
			c.addAt(ruleCatcher, rptr, r.Offset, "a Catcher is an object, not %s", an(r.Kind))
			continue
		}
		c.fields(r, rptr, "a Catcher", func(k string) fieldClass {
			switch k {
			case "ErrorEquals", "Next", "Comment", "Assign":
				return fieldAny
			case "ResultPath":
				return fieldJSONPath
			case "Output":
				return fieldJSONata
			}
			return fieldUnknown
		}, ql)
		c.errorEquals(r, rptr, "Catcher", i == len(m.Value.Items)-1, seen)
		if n := r.member("Next"); n == nil {
			c.addAt(ruleCatcher, rptr, r.Offset, "a Catcher needs Next")
		} else {
			c.target(n, rptr, "Next", b)
		}
		if f := r.member("ResultPath"); f != nil && ql == JSONPath {
			c.pathOrNull(f, rptr, true)
		}
		if f := r.member("Output"); f != nil && ql == JSONata {
			c.jsonataTemplate(f.Value, rptr+"/Output", ctxErrorOutput)
		}
		if f := r.member("Assign"); f != nil {
			c.assign(f, rptr, ql, ctxErrorOutput)
		}
		c.stringField(r, rptr, "Comment", false)
	}
}

// errorEquals checks the ErrorEquals of a Retrier or Catcher: a non-empty
// array of strings, States.ALL alone and only in the last one. seen holds
// the names earlier ones matched.
func (c *checker) errorEquals(r *Value, ptr, what string, last bool, seen map[string]bool) {
	rule := ruleRetrier
	if what == "Catcher" {
		rule = ruleCatcher
	}
	m := r.member("ErrorEquals")
	if m == nil {
		c.addAt(rule, ptr, r.Offset, "a %s needs ErrorEquals", what)
		return
	}
	if m.Value.Kind != Array {
		c.typeErr(m, ptr, Array)
		return
	}
	if len(m.Value.Items) == 0 {
		c.add(rule, ptr, m, "ErrorEquals has no error name")
		return
	}
	eptr := ptr + "/ErrorEquals"
	for i, e := range m.Value.Items {
		if e.Kind != String {
			c.addAt(ruleType, eptr+"/"+strconv.Itoa(i), e.Offset, "an error name is a string, not %s", an(e.Kind))
			continue
		}
		switch {
		case e.Str == "States.ALL":
			if len(m.Value.Items) > 1 {
				c.add(ruleErrorsAll, ptr, m, "States.ALL appears alone in its ErrorEquals")
			}
			if !last {
				c.add(ruleErrorsAll, ptr, m, "States.ALL appears only in the last %s", what)
			}
		case strings.HasPrefix(e.Str, "States.") && !predefinedErrors[e.Str] && !strings.HasPrefix(e.Str, "States.Http.StatusCode."):
			c.addAt(ruleErrorName, eptr+"/"+strconv.Itoa(i), e.Offset, "%q is not a predefined error; names starting with \"States.\" are reserved", clip(e.Str))
		case seen[e.Str] && !seen["States.ALL"]: // after States.ALL, errors-all says it
			c.addAt(ruleRetryUnreach, eptr+"/"+strconv.Itoa(i), e.Offset, "%q is already matched by an earlier %s", clip(e.Str), what)
		}
		seen[e.Str] = true
	}
}
