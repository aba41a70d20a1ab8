// Removal of all sending data below a workspace, for a workspace deletion (accounts area). Account
// deletion needs nothing from here: every sending document carries accountId. Children first, so a
// failed run can simply be retried.
import { Domain } from './domain.model';
import { SendingServer } from './sending-server.model';
import { Route } from './domain-children.model';
import { EmailLog } from './email-log.model';
import { deleteDomainChildren } from './domain.service';

export async function deleteSendingDataOfWorkspace(workspaceId: string): Promise<void> {
  const domains = await Domain.find({ workspaceId }).select({ _id: 1 }).lean();
  await deleteDomainChildren(domains.map((d) => d._id));
  await Promise.all([
    Domain.deleteMany({ workspaceId }),
    SendingServer.deleteMany({ workspaceId }),
    Route.deleteMany({ workspaceId }),
    EmailLog.deleteMany({ workspaceId, domainId: { $ne: null } }),
  ]);
}
