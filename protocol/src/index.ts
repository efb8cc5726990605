// The ZooKeeper client wire protocol, shared by the Corral server and client.
export {};
