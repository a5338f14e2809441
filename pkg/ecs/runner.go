package ecs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/poll"
)

// Runner deploys to ECS services and runs one-off tasks. Its fields are its
// dependencies; only ECS is required.
type Runner struct {
	ECS  API
	Logs LogsAPI // CloudWatch Logs, for task log lines; nil streams none
	// CodeDeploy deploys services whose deployment controller is
	// CODE_DEPLOY (blue/green); nil refuses them.
	CodeDeploy CodeDeployAPI
	Out        io.Writer // progress lines; nil discards them
	Wait       WaitOptions
	// NoWait returns as soon as the deployment or task is started (or
	// found), with status result.Running.
	NoWait bool
	// Clock and Rand drive the wait loops; nil means the real clock and
	// math/rand/v2. Tests pass a simulated clock.
	Clock Clock
	Rand  func() float64
}

func (r *Runner) clock() Clock {
	if r.Clock != nil {
		return r.Clock
	}
	return poll.RealClock{}
}

// newBackoff returns the wait options in effect and the schedule of one
// loop.
func (r *Runner) newBackoff() (WaitOptions, *poll.Backoff) {
	o := r.Wait.withDefaults()
	return o, newBackoff(o, r.Rand)
}

func (r *Runner) out() printer { return printer{r.Out} }

// retry runs a call that changes nothing until it succeeds, fails for good,
// or failed MaxErrors times in a row (throttling not counted).
func (r *Runner) retry(ctx context.Context, what string, call func() error) error {
	wo, b := r.newBackoff()
	errs := 0
	for {
		err := call()
		b.Observe(err)
		if err == nil || !poll.IsTransient(err) {
			return err
		}
		if !poll.IsThrottle(err) {
			errs++
		}
		if errs >= wo.MaxErrors {
			return fmt.Errorf("%s: giving up after %d failed attempts: %w", what, errs, err)
		}
		if err := r.clock().Sleep(ctx, b.Next()); err != nil {
			return err
		}
	}
}

// describeService reads one service, with retries.
func (r *Runner) describeService(ctx context.Context, s annotations.ServiceARN) (*types.Service, error) {
	var svc *types.Service
	err := r.retry(ctx, "DescribeServices", func() error {
		var err error
		svc, err = r.describeServiceOnce(ctx, s)
		return err
	})
	return svc, err
}

func (r *Runner) describeServiceOnce(ctx context.Context, s annotations.ServiceARN) (*types.Service, error) {
	out, err := r.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster:  aws.String(s.Cluster),
		Services: []string{s.Service},
	})
	if err != nil {
		return nil, err
	}
	for i := range out.Services {
		if aws.ToString(out.Services[i].ServiceName) == s.Service || aws.ToString(out.Services[i].ServiceArn) == s.String() {
			svc := &out.Services[i]
			if st := aws.ToString(svc.Status); st != "" && st != "ACTIVE" {
				return nil, fmt.Errorf("%w: service %s in cluster %s is %s", ErrServiceNotFound, s.Service, s.Cluster, st)
			}
			return svc, nil
		}
	}
	reason := "MISSING"
	if len(out.Failures) > 0 {
		reason = aws.ToString(out.Failures[0].Reason)
	}
	return nil, fmt.Errorf("%w: service %s in cluster %s: %s", ErrServiceNotFound, s.Service, s.Cluster, reason)
}

// ErrServiceNotFound is wrapped by errors about a service that does not
// exist or is not ACTIVE.
var ErrServiceNotFound = errors.New("ECS service not found")

// describeTaskDefinition reads a task definition (ARN, family:revision or
// family for the latest ACTIVE revision) with its tags.
func (r *Runner) describeTaskDefinition(ctx context.Context, id string) (*types.TaskDefinition, []types.Tag, error) {
	var out *ecs.DescribeTaskDefinitionOutput
	err := r.retry(ctx, "DescribeTaskDefinition", func() error {
		var err error
		out, err = r.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
			TaskDefinition: aws.String(id),
			Include:        []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if out.TaskDefinition == nil {
		return nil, nil, fmt.Errorf("DescribeTaskDefinition %s: empty answer", id)
	}
	return out.TaskDefinition, out.Tags, nil
}

// isNotFound reports whether err says the thing described does not exist.
func isNotFound(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "TaskDefinitionNotFoundException", "ResourceNotFoundException":
		return true
	case "ClientException", "InvalidParameterException":
		m := strings.ToLower(ae.ErrorMessage())
		return strings.Contains(m, "unable to describe") || strings.Contains(m, "not found") || strings.Contains(m, "does not exist")
	}
	return false
}

// tdKey reduces a task definition reference to family:revision, so an ARN
// and its short form compare equal.
func tdKey(s string) string {
	if i := strings.LastIndex(s, "task-definition/"); i >= 0 {
		return s[i+len("task-definition/"):]
	}
	return s
}

func sameTD(a, b string) bool { return a != "" && tdKey(a) == tdKey(b) }

// revisionOf returns the revision number in a task definition reference.
func revisionOf(s string) string {
	k := tdKey(s)
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		if _, err := strconv.Atoi(k[i+1:]); err == nil {
			return k[i+1:]
		}
	}
	return ""
}
