package convert

// checkNames reports two NodePools, or two EC2NodeClasses, of the same name in the
// output: applied, the second would overwrite the first.
func (cv *conversion) checkNames() {
	seen := map[string]*Object{}
	for _, o := range cv.objects {
		kind, _ := o.Object["kind"].(string)
		if kind != "NodePool" && kind != "EC2NodeClass" {
			continue
		}
		name, _ := get(o.Object, "metadata", "name").(string)
		key := kind + "/" + name
		if first, ok := seen[key]; ok {
			cv.probs.add(o.From, nil, "makes %s %q, as %s does: names must be unique", kind, name, first.From)
			continue
		}
		seen[key] = o
	}
}
