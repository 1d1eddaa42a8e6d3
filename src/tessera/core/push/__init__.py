"""Push rules (spec: Client-Server API, "Push Rules"): the defaults and their JSON form."""
