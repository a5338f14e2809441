package stepfunctions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/asl"
	"github.com/stagecrew/stagecrew/pkg/poll"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// ErrInvalidDefinition: the definition, once substituted, has errors; the
// error is a *DefinitionError with the findings. Nothing was changed.
var ErrInvalidDefinition = errors.New("invalid state machine definition")

// DefinitionError carries the validation findings of a definition that
// cannot be deployed.
type DefinitionError struct {
	Source   string
	Findings []asl.Finding // errors and warnings, in source order
}

func (e *DefinitionError) Error() string {
	n := 0
	first := ""
	for _, f := range e.Findings {
		if f.Severity == asl.SeverityError {
			if n == 0 {
				first = f.String()
			}
			n++
		}
	}
	return fmt.Sprintf("%s: %d error(s), first %s", e.Source, n, first)
}

// Unwrap makes the error match ErrInvalidDefinition.
func (e *DefinitionError) Unwrap() error { return ErrInvalidDefinition }

// validate is the one place a definition is validated (package asl).
var validate = asl.Validate

// DeployRequest says what to deploy where.
type DeployRequest struct {
	// StateMachine is the state machine to update; a version or alias
	// qualifier is ignored.
	StateMachine annotations.StateMachineARN
	// Alias is the alias of the environment, moved to the new version; ""
	// publishes the version and moves no alias.
	Alias string
	// Definition is the definition as the repository holds it, with ${Name}
	// placeholders; Source is its file name, for messages.
	Definition []byte
	Source     string
	// Substitutions are the placeholders' values. AWS::Region,
	// AWS::AccountId and AWS::Partition come from StateMachine unless given.
	Substitutions map[string]string
	// RoleARN is the state machine's execution role; "" keeps the one it
	// has.
	RoleARN string
	// Commit is the description of the version published (the commit SHA).
	Commit string
	// Canary, when its Weight is above zero, moves the alias in two steps.
	Canary Canary

	Entity, Environment string // for the result's target
	Audit               result.Audit
}

// Canary shapes a canary deployment: the alias sends Weight percent of its
// executions to the new version for Window while Deploy watches the new
// version's executions; the first one that fails, times out or is aborted
// rolls the alias back to the previous version; none failing moves it to
// 100 %.
type Canary struct {
	Weight int           // 1-99; 0 moves the alias all at once
	Window time.Duration // how long to watch (DefaultCanaryWindow when zero)
}

// DefaultCanaryWindow is the canary window when Canary.Window is zero.
const DefaultCanaryWindow = 10 * time.Minute

// Deployer publishes state machine definitions as versions behind aliases.
// The zero values of its options are the defaults; it holds no state
// between deployments.
type Deployer struct {
	Client DeployClient // required
	// MinDelay and MaxDelay pace the polls of a canary's executions
	// (DefaultMinDelay, DefaultMaxDelay).
	MinDelay, MaxDelay time.Duration
	Log                Logger         // progress lines; nil writes none
	Clock              Clock          // nil is the real clock
	Rand               func() float64 // jitter in [0,1); nil is math/rand/v2
}

// Deploy substitutes, validates and publishes the definition of req as a
// new version of the state machine (UpdateStateMachine with publish and the
// commit as the version's description) and moves the environment's alias
// to it, all at once or as a canary.
//
// It is idempotent: when the version the alias routes to, or the newest
// version, has the same definition (as JSON values) and role, nothing is
// published and that version is the result. The result's Values hold
// "version-arn", "alias-arn", "previous-version-arn" (the version the alias
// routed to before; "" for a new alias) and "published" ("true" or
// "false"). A canary that sees a failed execution of the new version rolls
// the alias back and returns a Failed result (not an error); errors are for
// what kept Deploy from deploying: a placeholder without a value
// (*PlaceholderError), an invalid definition (*DefinitionError), API errors.
func (d *Deployer) Deploy(ctx context.Context, req DeployRequest) (*result.Result, error) {
	if d.Client == nil {
		return nil, errors.New("stepfunctions: Deployer.Client is nil")
	}
	if req.StateMachine.IsZero() {
		return nil, errors.New("stepfunctions: no state machine ARN")
	}
	if req.Alias != "" {
		if err := annotations.CheckAliasName(req.Alias); err != nil {
			return nil, fmt.Errorf("stepfunctions: %w", err)
		}
	}
	if w := req.Canary.Weight; w < 0 || w > 99 {
		return nil, fmt.Errorf("stepfunctions: canary weight %d is not 0-99", w)
	}
	sm := req.StateMachine.Unqualified()
	def, findings, err := Prepare(req.Source, req.Definition, sm, req.Substitutions)
	if err != nil {
		return nil, err
	}
	res := &result.Result{
		Target: result.Target{Kind: result.StepFunctionsDeploy, Entity: req.Entity, Environment: req.Environment,
			Resource: sm.String(), Name: sm.Name},
		Status:    result.Running,
		StartedAt: d.clock().Now(),
		Audit:     req.Audit,
		Values:    map[string]string{"published": "false"},
	}
	d.group("Step Functions deploy " + sm.Name)
	defer d.endGroup()
	for _, f := range findings {
		d.line("definition " + f.String())
	}

	cur, err := d.Client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm.String())})
	if err != nil {
		return nil, fmt.Errorf("stepfunctions: describing %s: %w", sm, err)
	}
	role := req.RoleARN
	if role == "" {
		role = aws.ToString(cur.RoleArn)
	}

	var aliasARN string
	var routes []types.RoutingConfigurationListItem
	if req.Alias != "" {
		aliasARN = sm.String() + ":" + req.Alias
		res.Values["alias-arn"] = aliasARN
		routes, err = d.aliasRoutes(ctx, aliasARN)
		if err != nil {
			return nil, err
		}
	}
	prev := stableVersion(routes)
	res.Values["previous-version-arn"] = prev

	version, err := d.existingVersion(ctx, sm, prev, def, role)
	if err != nil {
		return nil, err
	}
	if version != "" {
		d.line("definition and role unchanged: version " + version + " already has them; nothing published")
	} else {
		in := &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm.String()), Definition: aws.String(string(def)), Publish: true}
		if req.RoleARN != "" {
			in.RoleArn = aws.String(req.RoleARN)
		}
		if req.Commit != "" {
			in.VersionDescription = aws.String(clip(req.Commit, 256))
		}
		out, err := d.Client.UpdateStateMachine(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("stepfunctions: updating %s: %w", sm, err)
		}
		version = aws.ToString(out.StateMachineVersionArn)
		if version == "" {
			return nil, fmt.Errorf("stepfunctions: updating %s published no version", sm)
		}
		res.Values["published"] = "true"
		d.line("published version " + version)
	}
	res.Values["version-arn"] = version
	res.ID = version

	switch {
	case aliasARN == "":
	case len(routes) == 0:
		if _, err := d.Client.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{
			Name: aws.String(req.Alias), Description: aws.String("stagecrew: " + req.Environment),
			RoutingConfiguration: route(version, 100),
		}); err != nil {
			return nil, fmt.Errorf("stepfunctions: creating alias %s: %w", aliasARN, err)
		}
		d.line("created alias " + req.Alias + " -> " + version)
	case prev == version && len(routes) == 1:
		d.line("alias " + req.Alias + " already routes every execution to " + version)
	case req.Canary.Weight > 0 && prev != "" && prev != version:
		return d.canary(ctx, res, aliasARN, prev, version, req.Canary)
	default:
		if err := d.moveAlias(ctx, aliasARN, route(version, 100)); err != nil {
			return nil, err
		}
		d.line("alias " + req.Alias + " -> " + version)
	}
	res.Status, res.EndedAt = result.Succeeded, d.clock().Now()
	return res, nil
}

// Prepare substitutes the placeholders of a definition (AWS::Region,
// AWS::AccountId and AWS::Partition from sm unless values has them) and
// validates the result: it returns the definition to deploy and the
// validation's warnings, or a *PlaceholderError or *DefinitionError.
func Prepare(source string, definition []byte, sm annotations.StateMachineARN, values map[string]string) ([]byte, []asl.Finding, error) {
	def, err := Substitute(source, definition, substitutionsWithPseudo(sm, values))
	if err != nil {
		return nil, nil, err
	}
	findings := validate(def)
	if asl.HasErrors(findings) {
		return nil, findings, &DefinitionError{Source: source, Findings: findings}
	}
	return def, findings, nil
}

// aliasRoutes returns the alias's routing, or nil when it does not exist.
func (d *Deployer) aliasRoutes(ctx context.Context, aliasARN string) ([]types.RoutingConfigurationListItem, error) {
	out, err := d.Client.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasARN)})
	var nf *types.ResourceNotFound
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stepfunctions: describing alias %s: %w", aliasARN, err)
	}
	return out.RoutingConfiguration, nil
}

// stableVersion is the version an alias routes most executions to (the
// old one, when a canary was left half way).
func stableVersion(routes []types.RoutingConfigurationListItem) string {
	best, w := "", int32(-1)
	for _, r := range routes {
		if r.Weight > w {
			best, w = aws.ToString(r.StateMachineVersionArn), r.Weight
		}
	}
	return best
}

// existingVersion returns a version that already has def and role: the
// one the alias routes to, else the newest version of the state machine;
// "" when neither has them.
func (d *Deployer) existingVersion(ctx context.Context, sm annotations.StateMachineARN, aliased string, def []byte, role string) (string, error) {
	cands := []string{}
	if aliased != "" {
		cands = append(cands, aliased)
	}
	list, err := d.Client.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(sm.String()), MaxResults: 1}, noSDKRetry)
	switch {
	case err != nil:
		// moto 5.2.1 does not implement ListStateMachineVersions: the
		// alias's version is then the only one compared.
		d.line("cannot list versions (" + clip(oneLine(err.Error()), 200) + "); comparing with the alias's version only")
	case len(list.StateMachineVersions) > 0:
		if v := aws.ToString(list.StateMachineVersions[0].StateMachineVersionArn); v != aliased {
			cands = append(cands, v)
		}
	}
	for _, v := range cands {
		out, err := d.Client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(v)})
		if err != nil {
			return "", fmt.Errorf("stepfunctions: describing version %s: %w", v, err)
		}
		if aws.ToString(out.RoleArn) == role && SameDefinition([]byte(aws.ToString(out.Definition)), def) {
			return v, nil
		}
	}
	return "", nil
}

// SameDefinition reports whether two definitions are the same JSON value
// (key order, white space and number spelling aside). Text that is not
// JSON is compared byte for byte.
func SameDefinition(a, b []byte) bool {
	va, errA := decodeNumbers(a)
	vb, errB := decodeNumbers(b)
	if errA != nil || errB != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return normNumbers(v), nil
}

// normNumbers makes 1, 1.0 and 1e0 equal.
func normNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case map[string]any:
		for k, x := range t {
			t[k] = normNumbers(x)
		}
	case []any:
		for i, x := range t {
			t[i] = normNumbers(x)
		}
	}
	return v
}

func route(version string, weight int32) []types.RoutingConfigurationListItem {
	return []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(version), Weight: weight}}
}

func (d *Deployer) moveAlias(ctx context.Context, aliasARN string, routes []types.RoutingConfigurationListItem) error {
	if _, err := d.Client.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{
		StateMachineAliasArn: aws.String(aliasARN), RoutingConfiguration: routes,
	}); err != nil {
		return fmt.Errorf("stepfunctions: moving alias %s: %w", aliasARN, err)
	}
	return nil
}

func (d *Deployer) clock() Clock {
	if d.Clock == nil {
		return poll.RealClock{}
	}
	return d.Clock
}

func (d *Deployer) group(title string) {
	if d.Log != nil {
		d.Log.Group(title)
	}
}

func (d *Deployer) endGroup() {
	if d.Log != nil {
		d.Log.EndGroup()
	}
}

func (d *Deployer) line(s string) {
	if d.Log != nil {
		d.Log.Line(strings.TrimSpace(s))
	}
}

// Plan is what Deploy would do to one environment, found without changing
// anything: the definition after substitution with its validation's
// findings, and the definition the environment runs now.
type Plan struct {
	Definition []byte        // substituted; nil when a placeholder has no value
	Findings   []asl.Finding // errors and warnings
	// Deployed is the definition the alias routes most executions to, or
	// the state machine's own without an alias (or before the alias
	// exists); DeployedFrom is that version's or state machine's ARN.
	Deployed     []byte
	DeployedFrom string
	// Changed reports whether deploying would publish a new version (the
	// definition differs from Deployed, as JSON values, or the role does).
	Changed bool
}

// Plan substitutes and validates the definition of req and reads what the
// environment runs now, for a pull request to show the difference. It
// returns a *PlaceholderError for a placeholder without a value; invalid
// definitions are a Plan with error findings, not an error. API errors are
// errors.
func (d *Deployer) Plan(ctx context.Context, req DeployRequest) (*Plan, error) {
	if d.Client == nil {
		return nil, errors.New("stepfunctions: Deployer.Client is nil")
	}
	sm := req.StateMachine.Unqualified()
	p := &Plan{}
	def, findings, err := Prepare(req.Source, req.Definition, sm, req.Substitutions)
	var de *DefinitionError
	switch {
	case errors.As(err, &de):
		p.Findings = de.Findings
		def, _ = Substitute(req.Source, req.Definition, substitutionsWithPseudo(sm, req.Substitutions))
	case err != nil:
		return nil, err
	default:
		p.Findings = findings
	}
	p.Definition = def
	from := sm.String()
	if req.Alias != "" {
		routes, err := d.aliasRoutes(ctx, sm.String()+":"+req.Alias)
		if err != nil {
			return nil, err
		}
		if v := stableVersion(routes); v != "" {
			from = v
		}
	}
	out, err := d.Client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(from)})
	if err != nil {
		return nil, fmt.Errorf("stepfunctions: describing %s: %w", from, err)
	}
	p.Deployed, p.DeployedFrom = []byte(aws.ToString(out.Definition)), from
	roleChanged := req.RoleARN != "" && req.RoleARN != aws.ToString(out.RoleArn)
	p.Changed = roleChanged || !SameDefinition(p.Deployed, def)
	return p, nil
}

func substitutionsWithPseudo(sm annotations.StateMachineARN, values map[string]string) map[string]string {
	all := map[string]string{"AWS::Region": sm.Region, "AWS::AccountId": sm.Account, "AWS::Partition": sm.Partition}
	for k, v := range values {
		all[k] = v
	}
	return all
}
