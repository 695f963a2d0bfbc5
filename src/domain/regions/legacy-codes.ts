// Regency codes that NIKs and historic records still carry but that the 2022
// Papua split (and the 2012 creation of Kalimantan Utara) renumbered. Keys are
// the old codes; values the current code of the same regency. Old codes that
// are now reused by a different regency (e.g. 9103) keep their current meaning
// for region fields; for NIK prefixes either meaning is valid.
export const LEGACY_REGENCY_CODES: Readonly<Record<string, string>> = {
  // Papua Barat before 2022 (province 91, now 92 and 96)
  '9101': '9203', '9102': '9208', '9103': '9207', '9104': '9206', '9105': '9202',
  '9106': '9602', '9107': '9601', '9108': '9603', '9109': '9604', '9110': '9605',
  '9111': '9211', '9112': '9212', '9171': '9671',
  // Papua before 2022 (province 94, now 91, 93, 94 and 95)
  '9401': '9301', '9402': '9501', '9403': '9103', '9404': '9401', '9408': '9105',
  '9409': '9106', '9410': '9403', '9411': '9402', '9412': '9404', '9413': '9302',
  '9414': '9303', '9415': '9304', '9416': '9503', '9417': '9502', '9418': '9504',
  '9419': '9110', '9420': '9111', '9426': '9115', '9427': '9119', '9428': '9120',
  '9429': '9508', '9430': '9507', '9431': '9505', '9432': '9506', '9433': '9405',
  '9434': '9406', '9435': '9407', '9436': '9408', '9471': '9171',
  // Kalimantan Timur before the 2012 split (now Kalimantan Utara, 65)
  '6403': '6501', '6407': '6502', '6408': '6503', '6412': '6504', '6473': '6571',
};
