package ecs

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/stagecrew/stagecrew/pkg/poll"
	"github.com/stagecrew/stagecrew/pkg/result"
)

// maxPagesPerPoll bounds the GetLogEvents calls for one stream in one poll,
// so a chatty task does not starve the status polls.
const maxPagesPerPoll = 5

// logStream is one container's awslogs stream.
type logStream struct {
	container, group, region, stream string
	token                            *string
	off                              bool // gave up on it (an error other than "not there yet")
}

// logStreams follows the awslogs streams of a task's containers.
type logStreams struct {
	r       *Runner
	streams []*logStream
	many    bool // prefix lines with the container name
	out     strings.Builder
	cut     bool
}

// newLogStreams finds the awslogs streams of the task: group and region from
// the container's logConfiguration, stream PREFIX/CONTAINER/TASK-ID.
// Containers without a stream prefix are left out (their stream is named
// after the Docker container id, which is learnt later from the task).
func newLogStreams(r *Runner, td *types.TaskDefinition, taskID string) *logStreams {
	ls := &logStreams{r: r}
	for _, c := range td.ContainerDefinitions {
		lc := c.LogConfiguration
		if lc == nil || lc.LogDriver != types.LogDriverAwslogs || lc.Options["awslogs-group"] == "" {
			continue
		}
		s := &logStream{container: aws.ToString(c.Name), group: lc.Options["awslogs-group"], region: lc.Options["awslogs-region"]}
		if p := lc.Options["awslogs-stream-prefix"]; p != "" {
			s.stream = p + "/" + s.container + "/" + taskID
		}
		ls.streams = append(ls.streams, s)
	}
	ls.many = len(ls.streams) > 1
	if r.Logs == nil && len(ls.streams) > 0 {
		r.out().linef("(no CloudWatch Logs client: the task's log lines are not shown)")
		ls.streams = nil
	}
	return ls
}

// poll reads what is new in every stream. final keeps reading until the
// streams are drained (the task has stopped).
func (ls *logStreams) poll(ctx context.Context, cs []types.Container, final bool) {
	for _, s := range ls.streams {
		if s.off {
			continue
		}
		if s.stream == "" {
			for _, c := range cs {
				if aws.ToString(c.Name) == s.container && aws.ToString(c.RuntimeId) != "" {
					s.stream = aws.ToString(c.RuntimeId)
				}
			}
			if s.stream == "" {
				continue
			}
		}
		pages := maxPagesPerPoll
		if final {
			pages = 100
		}
		for range pages {
			if !ls.page(ctx, s) {
				break
			}
		}
	}
}

// page reads one page of a stream; it reports whether there may be more.
func (ls *logStreams) page(ctx context.Context, s *logStream) bool {
	var opts []func(*cloudwatchlogs.Options)
	if s.region != "" {
		region := s.region
		opts = append(opts, func(o *cloudwatchlogs.Options) { o.Region = region })
	}
	out, err := ls.r.Logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName:  aws.String(s.group),
		LogStreamName: aws.String(s.stream),
		StartFromHead: aws.Bool(true),
		NextToken:     s.token,
	}, opts...)
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ResourceNotFoundException" || poll.IsTransient(err) {
			return false // not written yet, or try again next poll
		}
		s.off = true
		ls.r.out().linef("(log stream %s of %s unavailable: %s)", s.stream, s.group, err.Error())
		return false
	}
	for _, e := range out.Events {
		line := strings.TrimRight(aws.ToString(e.Message), "\r\n")
		if ls.many {
			line = "[" + s.container + "] " + line
		}
		ls.r.out().linef("%s", line)
		ls.keep(line)
	}
	more := out.NextForwardToken != nil && aws.ToString(out.NextForwardToken) != aws.ToString(s.token)
	if out.NextForwardToken != nil {
		s.token = out.NextForwardToken
	}
	return more && len(out.Events) > 0
}

// keep remembers the last result.MaxOutput bytes of log for the result.
func (ls *logStreams) keep(line string) {
	ls.out.WriteString(line)
	ls.out.WriteByte('\n')
	if ls.out.Len() > 2*result.MaxOutput {
		s := ls.out.String()
		s = s[len(s)-result.MaxOutput:]
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
		ls.out.Reset()
		ls.out.WriteString(s)
		ls.cut = true
	}
}

// tail returns the kept log text, at most result.MaxOutput bytes of its end.
func (ls *logStreams) tail() string {
	s := ls.out.String()
	if len(s) > result.MaxOutput {
		s = s[len(s)-result.MaxOutput:]
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
		ls.cut = true
	}
	return s
}
