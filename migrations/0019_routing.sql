-- Routing as data (issue 12): each task records the routing version it was made under. Tasks made before routing
-- versions existed were routed by the code's defaults, version 0.
ALTER TABLE tasks ADD COLUMN routing_version integer NOT NULL DEFAULT 0 CHECK (routing_version >= 0);
