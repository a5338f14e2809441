// Package aslcorpus generates realistic Amazon States Language definitions
// for benchmarks: JSONPath and JSONata state machines with Task, Choice,
// Wait, Parallel, Map (inline and distributed), Retry, Catch, intrinsic
// functions and JSONata expressions, every tenth one invalid.
package aslcorpus

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// Definition is one generated definition.
type Definition struct {
	Name  string // file name, such as "0042.asl.json"
	JSON  []byte
	Valid bool
}

// Generate returns n definitions, the same for the same n and seed.
// Definitions whose index is 9 modulo 10 break one rule.
func Generate(n int, seed uint64) []Definition {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]Definition, n)
	for i := range out {
		var def map[string]any
		switch i % 3 {
		case 0:
			def = jsonPathMachine(r, i)
		case 1:
			def = jsonataMachine(r, i)
		default:
			def = distributedMachine(r, i)
		}
		valid := i%10 != 9
		if !valid {
			breakOne(def, i)
		}
		data, err := json.MarshalIndent(def, "", "  ")
		if err != nil {
			panic(err) // maps of strings, numbers and slices always encode
		}
		out[i] = Definition{Name: fmt.Sprintf("%04d.asl.json", i), JSON: append(data, '\n'), Valid: valid}
	}
	return out
}

const lambda = "arn:aws:states:::lambda:invoke"

func fn(i, k int) string {
	return fmt.Sprintf("arn:aws:lambda:us-east-1:123456789012:function:svc-%d-step-%d", i, k)
}

// chain returns n Task states Step1..StepN, each going to the next and the
// last to next.
func chain(r *rand.Rand, i, n int, next string, jsonata bool) map[string]any {
	states := map[string]any{}
	for k := 1; k <= n; k++ {
		name := fmt.Sprintf("Step%d", k)
		to := fmt.Sprintf("Step%d", k+1)
		if k == n {
			to = next
		}
		s := map[string]any{
			"Type": "Task", "Resource": lambda, "Next": to,
			"TimeoutSeconds": 60 + r.IntN(240), "HeartbeatSeconds": 30,
			"Retry": []any{
				map[string]any{"ErrorEquals": []any{"Lambda.ServiceException", "Lambda.TooManyRequestsException"}, "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2, "JitterStrategy": "FULL"},
				map[string]any{"ErrorEquals": []any{"States.ALL"}, "MaxAttempts": 1},
			},
			"Catch": []any{map[string]any{"ErrorEquals": []any{"States.ALL"}, "Next": "Failed"}},
		}
		if jsonata {
			s["Arguments"] = map[string]any{"FunctionName": fn(i, k), "Payload": fmt.Sprintf("{%% $merge([$states.input, {'step': %d, 'id': $states.context.Execution.Id}]) %%}", k)}
			s["Output"] = "{% $states.result.Payload %}"
			s["Assign"] = map[string]any{fmt.Sprintf("step%dAt", k): "{% $now() %}"}
			s["Catch"].([]any)[0].(map[string]any)["Output"] = "{% $merge([$states.input, {'error': $states.errorOutput}]) %}"
		} else {
			s["Parameters"] = map[string]any{"FunctionName": fn(i, k), "Payload": map[string]any{
				"input.$": "$", "id.$": "$$.Execution.Id", "label.$": fmt.Sprintf("States.Format('step {} of {}', %d, $.order.id)", k),
			}}
			s["ResultSelector"] = map[string]any{"body.$": "$.Payload"}
			s["ResultPath"] = fmt.Sprintf("$.results.step%d", k)
			s["Catch"].([]any)[0].(map[string]any)["ResultPath"] = "$.error"
		}
		states[name] = s
	}
	return states
}

func jsonPathMachine(r *rand.Rand, i int) map[string]any {
	n := 3 + r.IntN(12)
	states := chain(r, i, n, "Route", false)
	states["Route"] = map[string]any{"Type": "Choice", "Default": "Fanout", "Choices": []any{
		map[string]any{"And": []any{
			map[string]any{"Variable": "$.order.total", "NumericGreaterThan": 100},
			map[string]any{"Variable": "$.order.express", "BooleanEquals": true},
		}, "Next": "Express"},
		map[string]any{"Variable": "$.order.country", "StringMatches": "D*", "Next": "Hold"},
		map[string]any{"Not": map[string]any{"Variable": "$.order.paidAt", "IsPresent": true}, "Next": "Failed"},
	}}
	states["Express"] = map[string]any{"Type": "Pass", "Result": map[string]any{"priority": "high"}, "ResultPath": "$.meta", "Next": "Fanout"}
	states["Hold"] = map[string]any{"Type": "Wait", "SecondsPath": "$.order.holdSeconds", "Next": "Fanout"}
	states["Fanout"] = map[string]any{"Type": "Parallel", "Next": "Items", "ResultSelector": map[string]any{"mail.$": "$[0]", "stock.$": "$[1]"},
		"Branches": []any{
			map[string]any{"StartAt": fmt.Sprintf("Mail%d", i), "States": map[string]any{fmt.Sprintf("Mail%d", i): map[string]any{
				"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true,
				"Parameters": map[string]any{"TopicArn": "arn:aws:sns:us-east-1:123456789012:orders", "Message.$": "States.JsonToString($.order)"}}}},
			map[string]any{"StartAt": fmt.Sprintf("Stock%d", i), "States": map[string]any{fmt.Sprintf("Stock%d", i): map[string]any{
				"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "End": true,
				"Parameters": map[string]any{"TableName": "stock", "Key": map[string]any{"sku": map[string]any{"S.$": "$.order.sku"}}}}}},
		}}
	states["Items"] = map[string]any{"Type": "Map", "ItemsPath": "$.order.lines", "MaxConcurrency": 10, "End": true,
		"ItemSelector": map[string]any{"line.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
		"ItemProcessor": map[string]any{"ProcessorConfig": map[string]any{"Mode": "INLINE"}, "StartAt": fmt.Sprintf("Line%d", i),
			"States": map[string]any{fmt.Sprintf("Line%d", i): map[string]any{"Type": "Pass", "Parameters": map[string]any{"sum.$": "States.MathAdd($.index, 1)"}, "End": true}}}}
	states["Failed"] = map[string]any{"Type": "Fail", "Error": "OrderFailed", "CausePath": "$.error.Cause"}
	return map[string]any{"Comment": fmt.Sprintf("order workflow %d", i), "StartAt": "Step1", "States": states}
}

func jsonataMachine(r *rand.Rand, i int) map[string]any {
	n := 3 + r.IntN(12)
	states := chain(r, i, n, "Route", true)
	states["Route"] = map[string]any{"Type": "Choice", "Default": "Done", "Choices": []any{
		map[string]any{"Condition": "{% $states.input.total > 100 and $states.input.express %}", "Next": "Wait"},
		map[string]any{"Condition": "{% $count($states.input.lines[price > 10]) > 3 %}", "Next": "Lines", "Assign": map[string]any{"big": true}},
	}}
	states["Wait"] = map[string]any{"Type": "Wait", "Seconds": "{% $states.input.delay ? $states.input.delay : 5 %}", "Next": "Lines"}
	states["Lines"] = map[string]any{"Type": "Map", "Items": "{% $states.input.lines %}", "MaxConcurrency": 4, "Next": "Done",
		"ItemProcessor": map[string]any{"StartAt": fmt.Sprintf("Price%d", i), "States": map[string]any{fmt.Sprintf("Price%d", i): map[string]any{
			"Type": "Pass", "Output": "{% $states.input ~> |$|{'net': price * (1 - discount)}| %}", "End": true}}},
		"Output": "{% {'lines': $states.result, 'total': $sum($states.result.net)} %}"}
	states["Done"] = map[string]any{"Type": "Succeed", "Output": map[string]any{"ok": true, "started": "{% $step1At %}"}}
	states["Failed"] = map[string]any{"Type": "Fail", "Error": "{% $states.input.error.Error %}", "Cause": "order failed"}
	return map[string]any{"QueryLanguage": "JSONata", "Comment": fmt.Sprintf("JSONata order workflow %d", i), "StartAt": "Step1", "States": states}
}

func distributedMachine(r *rand.Rand, i int) map[string]any {
	n := 2 + r.IntN(6)
	inner := chain(r, i, n, "Recorded", false)
	inner["Recorded"] = map[string]any{"Type": "Succeed"}
	inner["Failed"] = map[string]any{"Type": "Fail", "Error": "RowFailed"}
	return map[string]any{"Comment": fmt.Sprintf("CSV import %d", i), "StartAt": "Import", "TimeoutSeconds": 86400, "States": map[string]any{
		"Import": map[string]any{"Type": "Map", "Label": fmt.Sprintf("Import%d", i), "Next": "Report",
			"ItemReader": map[string]any{"Resource": "arn:aws:states:::s3:getObject",
				"ReaderConfig": map[string]any{"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 10000},
				"Parameters":   map[string]any{"Bucket.$": "$.bucket", "Key.$": "$.key"}},
			"ItemBatcher":                map[string]any{"MaxItemsPerBatch": 100, "BatchInput": map[string]any{"import.$": "$$.Execution.Id"}},
			"ResultWriter":               map[string]any{"Resource": "arn:aws:states:::s3:putObject", "Parameters": map[string]any{"Bucket": "results", "Prefix": fmt.Sprintf("import-%d", i)}},
			"MaxConcurrency":             500,
			"ToleratedFailurePercentage": 5,
			"ItemProcessor": map[string]any{"ProcessorConfig": map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
				"StartAt": "Step1", "States": inner},
			"Catch": []any{map[string]any{"ErrorEquals": []any{"States.ExceedToleratedFailureThreshold"}, "Next": "TooManyFailures"}},
		},
		"Report":          map[string]any{"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "Parameters": map[string]any{"TopicArn": "arn:aws:sns:us-east-1:123456789012:imports", "Message.$": "States.Format('import {} done', $$.Execution.Name)"}, "End": true},
		"TooManyFailures": map[string]any{"Type": "Fail", "Error": "TooManyFailures"},
	}}
}

// breakOne makes def invalid in one of several ways that asl-validator
// also detects, so both validators should reject it.
func breakOne(def map[string]any, i int) {
	states := def["States"].(map[string]any)
	switch (i / 10) % 3 {
	case 0:
		def["StartAt"] = "NoSuchState"
	case 1:
		states["Orphan"] = map[string]any{"Type": "Wait", "End": true} // no Seconds, and unreachable
	default:
		states["Broken"] = map[string]any{"Type": "Task", "Next": "Nowhere"} // no Resource, unknown Next, unreachable
	}
}
