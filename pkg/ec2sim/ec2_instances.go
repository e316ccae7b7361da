package ec2sim

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// terminatedVisibility is how long terminated instances stay visible, as on EC2.
const terminatedVisibility = time.Hour

// ec2Instance is an instance with what EC2 keeps besides the exported fields.
type ec2Instance struct {
	Instance
	since         time.Time // when the current state began
	reason        string    // state reason code once terminating
	reservationID string
	spotRequestID string
	architecture  string
	profile       string // instance profile ARN
	metadata      MetadataOptions
	subnet        *Subnet
}

// instanceStateCodes are EC2's numeric state codes.
var instanceStateCodes = map[InstanceState]int{
	StatePending: 0, StateRunning: 16, StateShuttingDown: 32, StateTerminated: 48,
}

func (r *ec2Instance) snapshot() Instance {
	c := r.Instance
	c.Tags = maps.Clone(r.Tags)
	c.SecurityGroupIDs = slices.Clone(r.SecurityGroupIDs)
	return c
}

// advance moves instances along their lifecycle at time now: pending becomes
// running after PendingDuration, shutting-down becomes terminated after
// ShuttingDownDuration, and terminated instances vanish after an hour. It returns
// the instances whose state changed.
func (st *ec2State) advance(now time.Time) []Instance {
	var changed []Instance
	kept := st.instances[:0]
	for _, r := range st.instances {
		if st.advanceOne(r, now) {
			changed = append(changed, r.snapshot())
		}
		if r.State == StateTerminated && !now.Before(r.since.Add(terminatedVisibility)) {
			continue
		}
		kept = append(kept, r)
	}
	clear(st.instances[len(kept):])
	st.instances = kept
	return changed
}

func (st *ec2State) advanceOne(r *ec2Instance, now time.Time) bool {
	changed := false
	if r.State == StatePending && !now.Before(r.since.Add(st.opts.PendingDuration)) {
		r.State, r.since, changed = StateRunning, r.since.Add(st.opts.PendingDuration), true
	}
	if r.State == StateShuttingDown && !now.Before(r.since.Add(st.opts.ShuttingDownDuration)) {
		r.State, r.since, changed = StateTerminated, r.since.Add(st.opts.ShuttingDownDuration), true
		r.subnet.AvailableIPs++
	}
	return changed
}

// terminate starts the shutdown of an instance; it reports the state it was in and
// whether it changed (instances already shutting down or terminated do not).
func (st *ec2State) terminate(r *ec2Instance, now time.Time, reason string) (InstanceState, bool) {
	prev := r.State
	if prev != StatePending && prev != StateRunning {
		return prev, false
	}
	r.State, r.since, r.reason = StateShuttingDown, now, reason
	return prev, true
}

// Tick advances instance states to the simulator's clock and tells the listeners
// about the changes. Every EC2 call does the same before it is answered.
func (s *Simulator) Tick() {
	s.mu.Lock()
	changed := s.ec2.advance(s.opts.Now())
	s.mu.Unlock()
	s.notify(changed)
}

// Instances returns a copy of every instance still visible (terminated ones stay
// for an hour), in launch order. It does not advance states: see Tick.
func (s *Simulator) Instances() []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Instance, 0, len(s.ec2.instances))
	for _, r := range s.ec2.instances {
		out = append(out, r.snapshot())
	}
	return out
}

// Instance returns a copy of the instance with id.
func (s *Simulator) Instance(id string) (Instance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.ec2.instance(id); r != nil {
		return r.snapshot(), true
	}
	return Instance{}, false
}

// TerminateInstance shuts an instance down from outside the API, e.g. a spot
// interruption (reason "Server.SpotInstanceTermination") or an operator
// ("Client.UserInitiatedShutdown"). It reports whether the instance was pending
// or running.
func (s *Simulator) TerminateInstance(id, reason string) bool {
	s.mu.Lock()
	var changed []Instance
	if r := s.ec2.instance(id); r != nil {
		if _, ok := s.ec2.terminate(r, s.opts.Now(), reason); ok {
			changed = append(changed, r.snapshot())
		}
	}
	s.mu.Unlock()
	s.notify(changed)
	return len(changed) > 0
}

// instancesByID returns the instances with ids, or InvalidInstanceID.NotFound
// naming the unknown ones.
func (st *ec2State) instancesByID(ids []string) ([]*ec2Instance, *ec2Error) {
	var found []*ec2Instance
	var missing []string
	for _, id := range ids {
		if r := st.instance(id); r != nil {
			found = append(found, r)
		} else {
			missing = append(missing, id)
		}
	}
	switch len(missing) {
	case 0:
		return found, nil
	case 1:
		return nil, ec2Errorf("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", missing[0])
	default:
		return nil, ec2Errorf("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
}

func (r *ec2Instance) field(name string) []string {
	switch name {
	case "instance-id":
		return []string{r.ID}
	case "instance-state-name":
		return []string{string(r.State)}
	case "instance-state-code":
		return []string{strconv.Itoa(instanceStateCodes[r.State])}
	case "instance-type":
		return []string{r.InstanceType}
	case "availability-zone":
		return []string{r.Zone}
	case "subnet-id":
		return []string{r.SubnetID}
	case "vpc-id":
		return []string{r.subnet.VpcID}
	case "image-id":
		return []string{r.ImageID}
	case "private-dns-name":
		return []string{r.PrivateDNSName}
	case "private-ip-address":
		return []string{r.PrivateIP}
	case "architecture":
		return []string{r.architecture}
	case "instance-lifecycle":
		if r.CapacityType == "spot" {
			return []string{"spot"}
		}
	case "instance.group-id":
		return r.SecurityGroupIDs
	}
	return nil
}

var instanceFilters = []string{"instance-id", "instance-state-name", "instance-state-code", "instance-type",
	"availability-zone", "subnet-id", "vpc-id", "image-id", "private-dns-name", "private-ip-address",
	"architecture", "instance-lifecycle", "instance.group-id"}

type describeInstancesXML struct {
	ec2RequestMeta
	Reservations []ec2ReservationXML `xml:"reservationSet>item"`
	NextToken    string              `xml:"nextToken,omitempty"`
}

type ec2ReservationXML struct {
	ReservationID string           `xml:"reservationId"`
	OwnerID       string           `xml:"ownerId"`
	Instances     []ec2InstanceXML `xml:"instancesSet>item"`
}

func (s *Simulator) describeInstances(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	filters, err := p.filters(instanceFilters...)
	if err != nil {
		return nil, nil, err
	}
	ids := p.strings("InstanceId")
	s.mu.Lock()
	defer s.mu.Unlock()
	candidates := s.ec2.instances
	if len(ids) > 0 {
		if candidates, err = s.ec2.instancesByID(ids); err != nil {
			return nil, nil, err
		}
	}
	var matched []*ec2Instance
	for _, r := range candidates {
		if ec2Matches(filters, r.Tags, r.field) {
			matched = append(matched, r)
		}
	}
	page, next, err := ec2Page(matched, p, s.opts.PageSize)
	if err != nil {
		return nil, nil, err
	}
	out := &describeInstancesXML{NextToken: next}
	for _, r := range page {
		out.Reservations = append(out.Reservations, ec2ReservationXML{
			ReservationID: r.reservationID, OwnerID: s.AccountID(), Instances: []ec2InstanceXML{s.instanceXML(r)},
		})
	}
	return out, nil, nil
}

type ec2StateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

func stateXML(st InstanceState) ec2StateXML {
	return ec2StateXML{Code: instanceStateCodes[st], Name: string(st)}
}

type ec2StateChangeXML struct {
	InstanceID    string      `xml:"instanceId"`
	CurrentState  ec2StateXML `xml:"currentState"`
	PreviousState ec2StateXML `xml:"previousState"`
}

type terminateInstancesXML struct {
	ec2RequestMeta
	Instances []ec2StateChangeXML `xml:"instancesSet>item"`
}

func (s *Simulator) terminateInstances(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	ids := p.strings("InstanceId")
	if len(ids) == 0 {
		return nil, nil, ec2Errorf("MissingParameter", "The request must contain the parameter InstanceId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found, err := s.ec2.instancesByID(ids)
	if err != nil {
		return nil, nil, err
	}
	out := &terminateInstancesXML{}
	var changed []Instance
	for _, r := range found {
		prev, ok := s.ec2.terminate(r, s.opts.Now(), "Client.UserInitiatedShutdown")
		if ok {
			changed = append(changed, r.snapshot())
		}
		out.Instances = append(out.Instances, ec2StateChangeXML{r.ID, stateXML(r.State), stateXML(prev)})
	}
	return out, changed, nil
}

type createTagsXML struct {
	ec2RequestMeta
	Return bool `xml:"return"`
}

func (s *Simulator) createTags(p ec2Params) (ec2Response, []Instance, *ec2Error) {
	ids, tags := p.strings("ResourceId"), p.tags("Tag")
	if len(ids) == 0 {
		return nil, nil, ec2Errorf("MissingParameter", "The request must contain the parameter resourceIdSet")
	}
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, nil, ec2Errorf("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var targets []map[string]string
	for _, id := range ids {
		t, err := s.ec2.taggable(id)
		if err != nil {
			return nil, nil, err
		}
		targets = append(targets, t)
	}
	for _, t := range targets {
		maps.Copy(t, tags)
	}
	return &createTagsXML{Return: true}, nil, nil
}

// taggable returns the tags of the resource with id, or its NotFound error.
func (st *ec2State) taggable(id string) (map[string]string, *ec2Error) {
	prefix, _, _ := strings.Cut(id, "-")
	var tags map[string]string
	switch prefix {
	case "i":
		if r := st.instance(id); r != nil {
			tags = r.Tags
		}
	case "subnet":
		if sn := st.subnet(id); sn != nil {
			tags = sn.Tags
		}
	case "sg":
		if sg := st.groupByID(id); sg != nil {
			tags = sg.Tags
		}
	case "ami":
		if img := st.image(id); img != nil {
			tags = img.Tags
		}
	case "lt":
		if lt := st.templateByID(id); lt != nil {
			tags = lt.Tags
		}
	}
	if tags != nil {
		return tags, nil
	}
	codes := map[string]string{"i": "InvalidInstanceID.NotFound", "subnet": "InvalidSubnetID.NotFound",
		"sg": "InvalidGroup.NotFound", "ami": "InvalidAMIID.NotFound", "lt": "InvalidLaunchTemplateId.NotFound"}
	if code, ok := codes[prefix]; ok {
		return nil, ec2Errorf(code, "The ID '%s' does not exist", id)
	}
	return nil, ec2Errorf("InvalidID", "The ID '%s' is not valid", id)
}
