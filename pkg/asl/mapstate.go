package asl

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLabel is the longest Map Label, in characters.
const maxLabel = 40

// distributedOnly are the Map fields that only a DISTRIBUTED item
// processor accepts.
var distributedOnly = []string{"ItemReader", "ItemBatcher", "ResultWriter", "Label",
	"ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath"}

// mapState checks a Map state.
func (c *checker) mapState(s *State, ptr string, ql QueryLanguage) {
	v := s.Value
	proc, iter := v.member("ItemProcessor"), v.member("Iterator")
	var pm *Member
	switch {
	case proc != nil && iter != nil:
		c.add(ruleMap, ptr, iter, "ItemProcessor and Iterator cannot be given together (Iterator is the deprecated name)")
		pm = proc
	case proc != nil:
		pm = proc
	case iter != nil:
		c.add(ruleMapDeprecated, ptr, iter, "Iterator is deprecated: use ItemProcessor")
		pm = iter
	default:
		c.addAt(ruleRequired, ptr, s.keyOffset, "a Map state needs ItemProcessor")
	}
	mode := "INLINE"
	if pm != nil {
		if pm.Value.Kind != Object {
			c.typeErr(pm, ptr, Object)
		} else {
			mode = c.processor(pm, ptr, ql, s)
		}
	}
	if mode != "DISTRIBUTED" {
		for _, name := range distributedOnly {
			if m := v.member(name); m != nil {
				c.add(ruleMap, ptr, m, "%s is for a distributed Map (ProcessorConfig Mode DISTRIBUTED); this one is INLINE", name)
			}
		}
	}

	if m := v.member("Parameters"); m != nil && ql == JSONPath {
		if v.member("ItemSelector") != nil {
			c.add(ruleExclusive, ptr, m, "ItemSelector and Parameters cannot be given together (Parameters is the deprecated name)")
		} else {
			c.add(ruleMapDeprecated, ptr, m, "Parameters of a Map state is deprecated: use ItemSelector")
		}
		c.payloadObject(m, ptr)
	}
	if m := v.member("ItemSelector"); m != nil {
		if ql == JSONPath {
			c.payloadObject(m, ptr)
		} else {
			if m.Value.Kind != Object && !isExpr(m.Value) {
				c.typeErr(m, ptr, Object)
			}
			c.jsonataTemplate(m.Value, ptr+"/ItemSelector", ctxInput)
		}
	}
	if ql == JSONPath {
		if m := v.member("ItemsPath"); m != nil {
			if m.Value.Kind != String {
				c.typeErr(m, ptr, String)
			} else {
				c.pathValue(m, ptr, true, true)
			}
		}
	} else if m := v.member("Items"); m != nil {
		if m.Value.Kind != Array && !isExpr(m.Value) {
			c.add(ruleNotJSONata, ptr, m, "Items is an array or a {%% %%} expression, not %s", an(m.Value.Kind))
		}
		c.jsonataTemplate(m.Value, ptr+"/Items", ctxInput)
	}

	c.exclusive(v, ptr, "MaxConcurrency", "MaxConcurrencyPath")
	if m := v.member("MaxConcurrency"); m != nil {
		c.intField(m, ptr, ql, 0, 1<<31-1)
	}
	c.exclusive(v, ptr, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
	if m := v.member("ToleratedFailurePercentage"); m != nil {
		if ql == JSONata && isExpr(m.Value) {
			c.jsonataString(m.Value, ptr+"/ToleratedFailurePercentage", ctxInput)
		} else if f, ok := m.Value.Float(); !ok {
			c.typeErr(m, ptr, Number)
		} else if f < 0 || f > 100 {
			c.add(ruleValue, ptr, m, "ToleratedFailurePercentage is %s; it must be from 0 to 100", m.Value.Str)
		}
	}
	c.exclusive(v, ptr, "ToleratedFailureCount", "ToleratedFailureCountPath")
	if m := v.member("ToleratedFailureCount"); m != nil {
		c.intField(m, ptr, ql, 0, 1<<31-1)
	}
	if ql == JSONPath {
		for _, name := range []string{"MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"} {
			c.refPathField(v, ptr, name)
		}
	}
	if m := c.stringField(v, ptr, "Label", false); m != nil {
		c.label(m, ptr)
	}
	if m := v.member("ItemReader"); m != nil {
		c.itemReader(m, ptr, ql)
	}
	if m := v.member("ItemBatcher"); m != nil {
		c.itemBatcher(m, ptr, ql)
	}
	if m := v.member("ResultWriter"); m != nil {
		c.resultWriter(m, ptr, ql)
	}
}

// processor checks an ItemProcessor (or Iterator) and returns its mode.
func (c *checker) processor(pm *Member, parent string, ql QueryLanguage, s *State) string {
	ptr := parent + "/" + pm.Key
	obj := pm.Value
	c.fields(obj, ptr, pm.Key, func(k string) fieldClass {
		switch k {
		case "ProcessorConfig", "StartAt", "States", "Comment":
			return fieldAny
		}
		return fieldUnknown
	}, ql)
	mode := "INLINE"
	if cfg := obj.member("ProcessorConfig"); cfg != nil {
		cptr := ptr + "/ProcessorConfig"
		if cfg.Value.Kind != Object {
			c.typeErr(cfg, ptr, Object)
		} else {
			c.fields(cfg.Value, cptr, "ProcessorConfig", func(k string) fieldClass {
				if k == "Mode" || k == "ExecutionType" {
					return fieldAny
				}
				return fieldUnknown
			}, ql)
			if m := c.stringField(cfg.Value, cptr, "Mode", false); m != nil {
				switch m.Value.Str {
				case "INLINE", "DISTRIBUTED":
					mode = m.Value.Str
				default:
					c.add(ruleMap, cptr, m, "Mode is INLINE or DISTRIBUTED, not %q", clip(m.Value.Str))
				}
			}
			et := c.stringField(cfg.Value, cptr, "ExecutionType", false)
			switch {
			case et != nil && et.Value.Str != "STANDARD" && et.Value.Str != "EXPRESS":
				c.add(ruleMap, cptr, et, "ExecutionType is STANDARD or EXPRESS, not %q", clip(et.Value.Str))
			case mode == "DISTRIBUTED" && et == nil && cfg.Value.member("ExecutionType") == nil:
				c.add(ruleMap, ptr, cfg, "a DISTRIBUTED item processor needs ExecutionType (STANDARD or EXPRESS)")
			case mode != "DISTRIBUTED" && et != nil:
				c.add(ruleMap, cptr, et, "ExecutionType is for a DISTRIBUTED item processor")
			}
		}
	}
	c.stringField(obj, ptr, "Comment", false)
	if s.Processor != nil {
		c.branch(obj, s.Processor, ql)
		if mode == "DISTRIBUTED" && c.executionType(obj) == "EXPRESS" && !c.express {
			c.expressOnly(s.Processor)
		}
	}
	return mode
}

// label checks a Map Label.
func (c *checker) label(m *Member, parent string) {
	s := m.Value.Str
	if n := utf8.RuneCountInString(s); n > maxLabel {
		c.add(ruleLabel, parent, m, "Label is %d characters; at most %d", n, maxLabel)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("?\"#%\\^|~`$&,;:/<>{}[]*", r) {
			c.add(ruleLabel, parent, m, "Label %q contains %q", clip(s), r)
			return
		}
	}
}

// resourceObject checks the Resource, Parameters/Arguments of an
// ItemReader or ResultWriter and returns the object, or nil.
func (c *checker) resourceObject(m *Member, parent string, ql QueryLanguage, extra ...string) *Value {
	ptr := parent + "/" + m.Key
	if m.Value.Kind != Object {
		c.typeErr(m, parent, Object)
		return nil
	}
	allowed := set(append([]string{"Resource", "Parameters", "Arguments"}, extra...)...)
	c.fields(m.Value, ptr, m.Key, func(k string) fieldClass {
		switch {
		case k == "Parameters":
			return fieldJSONPath
		case k == "Arguments":
			return fieldJSONata
		case allowed[k]:
			return fieldAny
		}
		return fieldUnknown
	}, ql)
	if r := c.stringField(m.Value, ptr, "Resource", false); r != nil && !isARN(r.Value.Str) {
		c.add(ruleResource, ptr, r, "Resource %q is not an ARN", clip(r.Value.Str))
	}
	if p := m.Value.member("Parameters"); p != nil && ql == JSONPath {
		c.payloadObject(p, ptr)
	}
	if a := m.Value.member("Arguments"); a != nil && ql == JSONata {
		c.jsonataTemplate(a.Value, ptr+"/Arguments", ctxInput)
	}
	return m.Value
}

func (c *checker) itemReader(m *Member, parent string, ql QueryLanguage) {
	obj := c.resourceObject(m, parent, ql, "ReaderConfig")
	if obj == nil {
		return
	}
	ptr := parent + "/ItemReader"
	if obj.member("Resource") == nil {
		c.add(ruleRequired, parent, m, "ItemReader needs Resource")
	}
	cfg := obj.member("ReaderConfig")
	if cfg == nil {
		return
	}
	cptr := ptr + "/ReaderConfig"
	if cfg.Value.Kind != Object {
		c.typeErr(cfg, ptr, Object)
		return
	}
	c.fields(cfg.Value, cptr, "ReaderConfig", func(k string) fieldClass {
		switch k {
		case "InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "ManifestType":
			return fieldAny
		case "MaxItemsPath":
			return fieldJSONPath
		}
		return fieldUnknown
	}, ql)
	if t := c.stringField(cfg.Value, cptr, "InputType", false); t != nil {
		switch t.Value.Str {
		case "CSV", "JSON", "JSONL", "MANIFEST", "PARQUET":
		default:
			c.add(ruleValue, cptr, t, "InputType is CSV, JSON, JSONL, MANIFEST or PARQUET, not %q", clip(t.Value.Str))
		}
	}
	if h := c.stringField(cfg.Value, cptr, "CSVHeaderLocation", false); h != nil {
		switch h.Value.Str {
		case "FIRST_ROW":
		case "GIVEN":
			if cfg.Value.member("CSVHeaders") == nil {
				c.add(ruleRequired, cptr, h, "CSVHeaderLocation GIVEN needs CSVHeaders")
			}
		default:
			c.add(ruleValue, cptr, h, "CSVHeaderLocation is FIRST_ROW or GIVEN, not %q", clip(h.Value.Str))
		}
	}
	c.exclusive(cfg.Value, cptr, "MaxItems", "MaxItemsPath")
	if mi := cfg.Value.member("MaxItems"); mi != nil {
		c.intField(mi, cptr, ql, 1, 100000000)
	}
	if ql == JSONPath {
		c.refPathField(cfg.Value, cptr, "MaxItemsPath")
	}
}

// maxBatchBytes is the most MaxInputBytesPerBatch accepts (256 KiB).
const maxBatchBytes = 262144

func (c *checker) itemBatcher(m *Member, parent string, ql QueryLanguage) {
	ptr := parent + "/ItemBatcher"
	if m.Value.Kind != Object {
		c.typeErr(m, parent, Object)
		return
	}
	obj := m.Value
	c.fields(obj, ptr, "ItemBatcher", func(k string) fieldClass {
		switch k {
		case "MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput":
			return fieldAny
		case "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath":
			return fieldJSONPath
		}
		return fieldUnknown
	}, ql)
	n := c.exclusive(obj, ptr, "MaxItemsPerBatch", "MaxItemsPerBatchPath") +
		c.exclusive(obj, ptr, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")
	if n == 0 {
		c.add(ruleRequired, parent, m, "ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch (or their *Path forms)")
	}
	if f := obj.member("MaxItemsPerBatch"); f != nil {
		c.intField(f, ptr, ql, 1, 1<<31-1)
	}
	if f := obj.member("MaxInputBytesPerBatch"); f != nil {
		c.intField(f, ptr, ql, 1, maxBatchBytes)
	}
	if ql == JSONPath {
		c.refPathField(obj, ptr, "MaxItemsPerBatchPath")
		c.refPathField(obj, ptr, "MaxInputBytesPerBatchPath")
		if b := obj.member("BatchInput"); b != nil {
			if b.Value.Kind != Object {
				c.typeErr(b, ptr, Object)
			} else {
				c.payload(b.Value, ptr+"/BatchInput")
			}
		}
	} else if b := obj.member("BatchInput"); b != nil {
		c.jsonataTemplate(b.Value, ptr+"/BatchInput", ctxInput)
	}
}

func (c *checker) resultWriter(m *Member, parent string, ql QueryLanguage) {
	obj := c.resourceObject(m, parent, ql, "WriterConfig")
	if obj == nil {
		return
	}
	ptr := parent + "/ResultWriter"
	// AWS documents three combinations: WriterConfig alone (results
	// formatted in the state output), Resource with Parameters (or
	// Arguments) to export to S3, or all of them.
	cfg := obj.member("WriterConfig")
	res := obj.member("Resource") != nil
	params := obj.member("Parameters") != nil || obj.member("Arguments") != nil
	switch {
	case res && !params:
		c.add(ruleRequired, parent, m, "ResultWriter with Resource needs Parameters (JSONata: Arguments) naming the S3 bucket and prefix")
	case params && !res:
		c.add(ruleRequired, parent, m, "ResultWriter with Parameters or Arguments needs Resource")
	case !res && cfg == nil:
		c.add(ruleRequired, parent, m, "ResultWriter needs WriterConfig, or Resource with Parameters (or both)")
	}
	if cfg == nil {
		return
	}
	cptr := ptr + "/WriterConfig"
	if cfg.Value.Kind != Object {
		c.typeErr(cfg, ptr, Object)
		return
	}
	c.fields(cfg.Value, cptr, "WriterConfig", func(k string) fieldClass {
		if k == "OutputType" || k == "Transformation" {
			return fieldAny
		}
		return fieldUnknown
	}, ql)
	if t := c.stringField(cfg.Value, cptr, "OutputType", false); t != nil {
		switch t.Value.Str {
		case "JSON", "JSONL":
		default:
			c.add(ruleValue, cptr, t, "OutputType is JSON or JSONL, not %q", clip(t.Value.Str))
		}
	}
	if t := c.stringField(cfg.Value, cptr, "Transformation", false); t != nil {
		switch t.Value.Str {
		case "NONE", "COMPACT", "FLATTEN":
		default:
			c.add(ruleValue, cptr, t, "Transformation is NONE, COMPACT or FLATTEN, not %q", clip(t.Value.Str))
		}
	}
}

// executionType is the ExecutionType of an item processor, or "".
func (c *checker) executionType(proc *Value) string {
	return proc.Get("ProcessorConfig").Get("ExecutionType").str()
}

// expressOnly reports the Task states of b (and of the branches and item
// processors inside it) that an Express workflow cannot run: .sync and
// .waitForTaskToken integrations, and activities.
func (c *checker) expressOnly(b *Branch) {
	walkBranch(b, func(s *State) bool {
		if s.Type != "Task" || s.Resource == "" {
			return true
		}
		r := s.Resource
		m := s.Value.member("Resource")
		switch {
		case strings.HasSuffix(r, ".waitForTaskToken"):
			c.add(ruleExpress, s.Pointer, m, "Express child executions cannot wait for a task token (%s)", clip(r))
		case strings.Contains(r, ".sync"):
			c.add(ruleExpress, s.Pointer, m, "Express child executions cannot run a .sync integration (%s)", clip(r))
		case strings.Contains(r, ":activity:"):
			c.add(ruleExpress, s.Pointer, m, "Express child executions cannot run activities (%s)", clip(r))
		}
		return true
	})
}
